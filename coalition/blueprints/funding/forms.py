"""Forms of the funding pages. Amounts are text fields: the service reads them with Decimal, exactly."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from coalition.blueprints.forms import choices_of
from coalition.models import FundingPurpose, GrantStatus
from coalition.services.funding import CURRENCY_DIGITS, DEFAULT_CURRENCY, SUPPORTS

CURRENCY_CHOICES = [SelectChoice(code, code) for code in CURRENCY_DIGITS]


class GrantForm(FlaskForm):
    """Presence and ranges are checked by the service, so every mistake is reported beside its field at once."""

    title = StringField("Name of the grant", validators=[Length(max=200)])
    funder_organization_id = SelectField("Funder (a partner organization)", coerce=int, validate_choice=False,
                                         validators=[Optional()])
    funder_name = StringField("or an outside funder's name", validators=[Optional(), Length(max=200)])
    amount = StringField("Amount", render_kw={"inputmode": "decimal"})
    currency = SelectField("Currency", choices=CURRENCY_CHOICES, default=DEFAULT_CURRENCY, validate_choice=False)
    period_start = DateField("Period from", validators=[Optional()])
    period_end = DateField("Period to (included)", validators=[Optional()])
    purpose = SelectField("Purpose", choices=choices_of(FundingPurpose), validate_choice=False)
    status = SelectField("Status", choices=choices_of(GrantStatus), validate_choice=False)
    received_on = DateField("Received on", validators=[Optional()])
    supports = SelectField("Supports", choices=[SelectChoice(k, v) for k, v in SUPPORTS.items()], validate_choice=False)
    activity = StringField("Activity", validators=[Optional(), Length(max=300)])


class SpendingForm(FlaskForm):
    spent_on = DateField("Spent on", validators=[Optional()])
    amount = StringField("Amount", render_kw={"inputmode": "decimal"})
    currency = SelectField("Currency", choices=CURRENCY_CHOICES, validate_choice=False)
    purpose = SelectField("Purpose", choices=choices_of(FundingPurpose), validate_choice=False)
    note = TextAreaField("Note", validators=[Optional(), Length(max=500)])


class ReportPeriodForm(FlaskForm):
    class Meta:
        csrf = False  # a GET for a report: it changes nothing

    start = StringField("From", render_kw={"type": "date"})
    end = StringField("To (included)", render_kw={"type": "date"})
    grant = StringField("Grant")
