from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, FloatField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from coalition.blueprints.forms import choices_of
from coalition.models import WEEKDAYS, OrganizationKind, Role

DAY_LABELS = dict(zip(WEEKDAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")))


class OrganizationForm(FlaskForm):
    kind = SelectField("Kind", choices=choices_of(OrganizationKind), validators=[InputRequired()])
    name = StringField("Name", validators=[InputRequired("Give the organization a name."), Length(max=200)])
    address = StringField("Street address", validators=[Optional(), Length(max=300)])
    latitude = FloatField("Latitude", validators=[Optional(), NumberRange(-90, 90, "Between -90 and 90.")])
    longitude = FloatField("Longitude", validators=[Optional(), NumberRange(-180, 180, "Between -180 and 180.")])
    # A place chosen among several the geocoder found ("lat,lon"), and the confirmation of a far-away point.
    match = StringField(validators=[Optional(), Length(max=60)])
    far_confirmed = BooleanField("Yes, the place is there, outside the usual area")
    phone = StringField("Phone", validators=[Optional(), Length(max=40)])
    confidential = BooleanField("Keep our location confidential")
    public_alias = StringField("Name shown to other partners (optional)", validators=[Optional(), Length(max=200)])
    refrigerated_capacity_kg = IntegerField(
        "Refrigerated storage (kg)", default=0, validators=[Optional(), NumberRange(0, 1_000_000, "0 or more.")])
    frozen_capacity_kg = IntegerField(
        "Frozen storage (kg)", default=0, validators=[Optional(), NumberRange(0, 1_000_000, "0 or more.")])
    hours_mon = StringField(DAY_LABELS["mon"], validators=[Optional(), Length(max=100)])
    hours_tue = StringField(DAY_LABELS["tue"], validators=[Optional(), Length(max=100)])
    hours_wed = StringField(DAY_LABELS["wed"], validators=[Optional(), Length(max=100)])
    hours_thu = StringField(DAY_LABELS["thu"], validators=[Optional(), Length(max=100)])
    hours_fri = StringField(DAY_LABELS["fri"], validators=[Optional(), Length(max=100)])
    hours_sat = StringField(DAY_LABELS["sat"], validators=[Optional(), Length(max=100)])
    hours_sun = StringField(DAY_LABELS["sun"], validators=[Optional(), Length(max=100)])

    def hour_fields(self):
        return [self[f"hours_{day}"] for day in WEEKDAYS]


class NewOrganizationForm(OrganizationForm):
    admin_email = EmailField(
        "E-mail of its first admin", validators=[InputRequired("Who will run this organization's account?"), Length(max=254)])


class InviteForm(FlaskForm):
    email = EmailField("E-mail", validators=[InputRequired("Enter their e-mail."), Length(max=254)])
    role = SelectField("Role", choices=choices_of(Role), validators=[InputRequired()])


class PartnerImportForm(FlaskForm):
    """Upload a spreadsheet to preview; the preview's "Import" button sends the same text back as ``csv_text``."""

    file = FileField("Spreadsheet (CSV, UTF-8)")
    csv_text = HiddenField()
