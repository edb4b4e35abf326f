from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Form, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional

from coalition.blueprints.forms import choices_of, WeightField
from coalition.blueprints.local_time import local_datetime
from coalition.models import FoodCategory, StorageClass


class SupplyFilterForm(Form):
    """The GET filters of the supply list (no CSRF: it changes nothing)."""

    # Checked by chosen_recipient: another organization's id is refused there (403).
    org = SelectField("Claiming for", default="", validate_choice=False)
    category = SelectField("Food", default="", choices=[SelectChoice("", "Any food"), *choices_of(FoodCategory)])
    storage = SelectField("Storage", default="", choices=[SelectChoice("", "Any storage"), *choices_of(StorageClass)])


class ClaimForm(FlaskForm):
    recipient_id = SelectField("Claim for", validators=[InputRequired()])
    kg = WeightField("{Unit} to claim", validators=[Optional()])
    delivery_start = local_datetime("Deliver from")
    delivery_end = local_datetime("Deliver until")
    need_id = SelectField("For one of your needs", default="")
