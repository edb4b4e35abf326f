from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from coalition.blueprints.local_time import local_datetime


class AnnouncementForm(FlaskForm):
    title = StringField("Title", validators=[InputRequired("Give the announcement a title."), Length(max=200)])
    body = TextAreaField("Message", validators=[InputRequired("Write the message."), Length(max=20_000)])
    # "all", "kind:<kind>" or "neighborhood:<id>"; choices are filled by the view.
    audience_value = SelectField("Send to", validators=[InputRequired()], validate_choice=False)


class MeetingForm(FlaskForm):
    title = StringField("Title", validators=[InputRequired("Give the meeting a title."), Length(max=200)])
    starts_at = local_datetime("Starts at")
    agenda = TextAreaField("Agenda", validators=[Optional(), Length(max=20_000)])


class MinutesForm(FlaskForm):
    agenda = TextAreaField("Agenda", validators=[Optional(), Length(max=20_000)])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=50_000)])
    decisions = TextAreaField("Decisions", validators=[Optional(), Length(max=20_000)])


class ActionItemForm(FlaskForm):
    description = StringField("What is to be done", validators=[InputRequired("Say what is to be done."), Length(max=300)])
    organization_id = SelectField("Assigned to", coerce=int, validate_choice=False, validators=[Optional()])
    due_on = DateField("Due on", validators=[Optional()])


class PreferenceForm(FlaskForm):
    delivery = RadioField("Coordination e-mail", choices=[
        SelectChoice("immediate", "As each message arrives"),
        SelectChoice("digest", "One daily digest"),
    ], validators=[InputRequired("Choose one.")])
