from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectMultipleField, StringField
from wtforms.validators import Length, NumberRange, Optional

from coalition.blueprints.forms import choices_of
from coalition.models import FoodCategory, PlanRole, StorageClass


class ProfileForm(FlaskForm):
    roles = SelectMultipleField("Role in the plan", choices=choices_of(PlanRole), validate_choice=False)
    accepted_categories = SelectMultipleField("Food it accepts", choices=choices_of(FoodCategory), validate_choice=False)
    accepted_storage = SelectMultipleField("Storage it can handle", choices=choices_of(StorageClass),
                                           validate_choice=False)
    service_radius_km = IntegerField("Service radius (km)", validators=[
        Optional(), NumberRange(0, 500, "Between 0 and 500 km.")])
    service_neighborhoods = StringField("Neighborhoods served", validators=[Optional(), Length(max=500)])


class ActionForm(FlaskForm):
    """An empty form: a one-click button with its CSRF token."""
