from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField

from coalition.models import NotificationKind


class OpenForm(FlaskForm):
    next = HiddenField()


class PreferencesForm(FlaskForm):
    """Three checkboxes per kind of notification: ``<kind>_in_app``, ``<kind>_email`` and ``<kind>_push``;
    and the quiet hours (checked by the service, which names the field at fault)."""

    quiet_start = StringField("Quiet from", render_kw={"placeholder": "22:00", "inputmode": "numeric"})
    quiet_end = StringField("until", render_kw={"placeholder": "07:00", "inputmode": "numeric"})

    def pairs(self):
        return [(kind, self[f"{kind.value}_in_app"], self[f"{kind.value}_email"], self[f"{kind.value}_push"])
                for kind in NotificationKind]


for _kind in NotificationKind:
    setattr(PreferencesForm, f"{_kind.value}_in_app", BooleanField("In the app"))
    setattr(PreferencesForm, f"{_kind.value}_email", BooleanField("By e-mail"))
    setattr(PreferencesForm, f"{_kind.value}_push", BooleanField("On my subscribed phones"))
