from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, FloatField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from coalition.blueprints.forms import choices_of
from coalition.models import ProjectIndicator


class ProjectForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired("Give the project a name."), Length(max=200)])
    description = TextAreaField("What it is about", validators=[Optional(), Length(max=20_000)])
    partner_ids = SelectMultipleField("Partners", coerce=int, validate_choice=False)


class GoalForm(FlaskForm):
    indicator = SelectField("Indicator", choices=choices_of(ProjectIndicator), validators=[InputRequired()])
    target_value = FloatField("Target", validators=[InputRequired("Give a target.")])


class ProgressForm(FlaskForm):
    value = FloatField("Amount", validators=[InputRequired("How much?")])
    organization_id = SelectField("For", coerce=int, validate_choice=False, validators=[Optional()])
    note = StringField("Note", validators=[Optional(), Length(max=300)])


class TaskForm(FlaskForm):
    title = StringField("Task", validators=[InputRequired("Say what is to be done."), Length(max=300)])
    organization_id = SelectField("Assigned to", coerce=int, validate_choice=False, validators=[Optional()])
    due_on = DateField("Due on", validators=[Optional()])


class UpdateForm(FlaskForm):
    body = TextAreaField("Update", validators=[InputRequired("Write the update."), Length(max=5_000)])
    organization_id = SelectField("On behalf of", coerce=int, validate_choice=False, validators=[Optional()])
