from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from coalition.blueprints.forms import choices_of, WeightField
from coalition.blueprints.local_time import local_datetime
from coalition.models import FoodCategory, StorageClass


class WindowForm(Form):
    start = local_datetime("From")
    end = local_datetime("Until")


class NeedForm(FlaskForm):
    recipient_id = SelectField("For", validators=[InputRequired()])
    category = SelectField("Food", choices=choices_of(FoodCategory), validators=[InputRequired()])
    storage = SelectField("Storage", choices=choices_of(StorageClass), validators=[InputRequired()])
    kg = WeightField("{Unit} needed", validators=[Optional()])
    needed_by = local_datetime("Needed by")
    delivery_windows = FieldList(FormField(WindowForm), min_entries=2, max_entries=5)
    refrigerated_free_kg = WeightField("Refrigerated space free ({unit})", default=0, validators=[Optional()])
    frozen_free_kg = WeightField("Frozen space free ({unit})", default=0, validators=[Optional()])
    people_expected = IntegerField("People you expect to serve", default=0, validators=[Optional()])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=300)])
