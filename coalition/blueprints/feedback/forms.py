from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from coalition.blueprints.forms import choices_of
from coalition.models.feedback import PickupIssue

RATINGS = [SelectChoice("5", "5 excellent"), SelectChoice("4", "4 good"), SelectChoice("3", "3 acceptable"),
           SelectChoice("2", "2 poor"), SelectChoice("1", "1 unusable")]


class RatingForm(FlaskForm):
    delivery_id = IntegerField("Delivery", validators=[InputRequired("Choose the delivery.")])
    rating = RadioField("Condition of the food", choices=RATINGS, validators=[InputRequired("Choose 1 to 5.")])
    note = TextAreaField("Note (optional)", validators=[Optional(), Length(max=500)])


class ProblemForm(FlaskForm):
    claim_id = IntegerField("Pickup", validators=[InputRequired("Choose the pickup.")])
    issue = SelectField("What went wrong", choices=choices_of(PickupIssue), validators=[InputRequired("Choose one.")])
    note = TextAreaField("Note", validators=[Optional(), Length(max=500)])
