"""The shift and weekly-availability forms."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, FloatField, IntegerField, SelectField, SelectMultipleField, StringField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from coalition.blueprints.forms import choices_of, WeightField
from coalition.models import WEEKDAYS
from coalition.models.shift import ColdChain, PlaceKind
from coalition.services.shifts import MAX_STOPS, MIN_STOPS, STOPS_MESSAGE

PLACE_LABELS = {"home": "Home (a point)", "depot": "A depot", "anywhere": "Anywhere"}
DAY_LABELS = dict(zip(WEEKDAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")))


def _places():
    return [SelectChoice(kind.value, PLACE_LABELS[kind.value]) for kind in PlaceKind]


class ShiftForm(FlaskForm):
    driver = SelectField("Driver", validate_choice=False)
    local_date = DateField("Day", validators=[Optional()])
    start_time = TimeField("Start", validators=[Optional()])
    end_time = TimeField("End", validators=[Optional()])
    start_kind = SelectField("Start from", choices=_places, default="anywhere", validate_choice=False)
    start_address = StringField("Start address (home)", validators=[Optional(), Length(max=300)])
    start_latitude = FloatField("Start latitude", validators=[Optional()])
    start_longitude = FloatField("Start longitude", validators=[Optional()])
    start_organization_id = SelectField("Start depot", validate_choice=False)
    end_kind = SelectField("End at", choices=_places, default="anywhere", validate_choice=False)
    end_address = StringField("End address (home)", validators=[Optional(), Length(max=300)])
    end_latitude = FloatField("End latitude", validators=[Optional()])
    end_longitude = FloatField("End longitude", validators=[Optional()])
    end_organization_id = SelectField("End depot", validate_choice=False)
    capacity_kg = WeightField("Room in the vehicle ({unit})", validators=[Optional()])
    cold_chain = SelectField("Keeps food cold", choices=choices_of(ColdChain), default="none", validate_choice=False)
    max_stops = IntegerField("Most stops you are comfortable with (optional)",
                             validators=[Optional(), NumberRange(MIN_STOPS, MAX_STOPS, STOPS_MESSAGE)])
    notes = StringField("Notes (optional)", validators=[Optional(), Length(max=300)])


class PatternForm(ShiftForm):
    weekdays = SelectMultipleField("Every", choices=[SelectChoice(d, DAY_LABELS[d]) for d in WEEKDAYS],
                                   option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False),
                                   validate_choice=False)
    until = DateField("Until (optional)", validators=[Optional()])


class ButtonForm(FlaskForm):
    """Cancel and stop buttons: CSRF only."""
