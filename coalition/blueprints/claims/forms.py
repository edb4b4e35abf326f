from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from coalition.blueprints.local_time import local_datetime


class ReleaseForm(FlaskForm):
    reason = StringField("Why are you releasing it?", validators=[Optional(), Length(max=300)])


class ScheduleForm(FlaskForm):
    delivery_start = local_datetime("Deliver from")
    delivery_end = local_datetime("Deliver until")


class ReassignForm(FlaskForm):
    recipient_id = SelectField("Give it to", validators=[InputRequired("Choose a food bank or shelter.")])
