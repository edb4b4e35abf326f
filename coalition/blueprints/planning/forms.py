"""Forms of the planning pages."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, IntegerField, TimeField
from wtforms.validators import DataRequired, NumberRange, Optional


class DayForm(FlaskForm):
    """Which day (and optionally which hours) to plan."""

    class Meta:
        csrf = False   # a GET form: it only chooses what to show

    date = DateField("Day to plan", validators=[DataRequired("Choose a day.")])


class PlanForm(FlaskForm):
    date = DateField("Day to plan", validators=[DataRequired("Choose a day.")])
    since = TimeField("From (optional)", validators=[Optional()])
    until = TimeField("Until (optional)", validators=[Optional()])
    time_limit = DecimalField("Seconds the planner may think", default=10, places=0,
                              validators=[Optional(), NumberRange(1, 120, "Between 1 and 120 seconds.")])
    zones = IntegerField("Split into zones (optional)",
                         validators=[Optional(), NumberRange(1, 16, "Between 1 and 16 zones.")])


class MoveForm(FlaskForm):
    claim_id = IntegerField("Request", validators=[DataRequired("Choose a request.")])
    route_id = IntegerField("Route", validators=[DataRequired("Choose a route.")])


class ActionForm(FlaskForm):
    """Publish and re-plan: a CSRF-protected button."""
