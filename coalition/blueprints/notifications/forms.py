from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField

from coalition.models import NotificationKind


class OpenForm(FlaskForm):
    next = HiddenField()


class PreferencesForm(FlaskForm):
    """Two checkboxes per kind of notification: ``<kind>_in_app`` and ``<kind>_email``."""

    def pairs(self):
        return [(kind, self[f"{kind.value}_in_app"], self[f"{kind.value}_email"]) for kind in NotificationKind]


for _kind in NotificationKind:
    setattr(PreferencesForm, f"{_kind.value}_in_app", BooleanField("In the app"))
    setattr(PreferencesForm, f"{_kind.value}_email", BooleanField("By e-mail"))
