from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional


def _date(label: str) -> DateField:
    return DateField(label, validators=[Optional()], render_kw={"type": "date"})


class ProfileForm(FlaskForm):
    training_completed_on = _date("Food-safety training completed on")
    training_expires_on = _date("Training certificate expires on")
    training_provider = StringField("Training provider (e.g. ServSafe Food Handler)", validators=[Optional(), Length(max=120)])
    licence_attested_on = _date("I confirm I hold a valid driving licence, as of")
    licence_expires_on = _date("Licence expires on")
    insurance_attested_on = _date("I confirm my vehicle is insured, as of")
    insurance_expires_on = _date("Insurance expires on")
    vehicle = StringField("Vehicle (make, model, colour)", validators=[Optional(), Length(max=120)])
    vehicle_plate = StringField("Licence plate", validators=[Optional(), Length(max=20)])


class PairingForm(FlaskForm):
    driver_id = SelectField("New driver", validators=[InputRequired("Choose the new driver.")])
    mentor_id = SelectField("Rides with (experienced driver)", validators=[Optional()])
    until = DateField("Paired until (optional)", validators=[Optional()], render_kw={"type": "date"})
