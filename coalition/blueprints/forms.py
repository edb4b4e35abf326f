"""Helpers shared by the HTML forms of every blueprint."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms.fields import FloatField
from wtforms.fields.choices import SelectChoice

from coalition.errors import DomainError, ValidationError
from coalition.services import units


def show_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Put a service's field errors beside the matching fields, the rest at the top of the form.

    Nested fields of field lists (``lines-0-kg``, ``windows-0-start``) are matched too.
    """
    fields = {}
    for f in form:
        # Services name a field by its short name; a prefixed form renders it as "prefix-name".
        fields[f.short_name] = fields[f.name] = f
        for entry in getattr(f, "entries", []):
            for leaf in (entry if hasattr(entry, "__iter__") else [entry]):
                fields[leaf.name] = leaf
    placed = False
    for name, message in error.fields.items():
        if name in fields:
            fields[name].errors = [*fields[name].errors, message]
            placed = True
        else:
            form.form_errors.append(message)
    if not placed:
        form.form_errors.append(error.message)


def safe_next_url(target: str | None) -> str | None:
    """Only follow ``next`` to a path on this site, never to another host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def choices_of(members) -> list[SelectChoice]:
    """Select options for enum members that have a ``label``."""
    return [SelectChoice(member.value, member.label) for member in members]


def run_checks(*checks):
    """Run several parsing steps and report all their field errors at once.

    Returns each check's result in order; raises one ValidationError that
    merges the fields of every check that failed.
    """
    results, fields = [], {}
    for check in checks:
        try:
            results.append(check())
        except ValidationError as error:
            fields.update(error.fields)
            results.append(None)
    if fields:
        raise ValidationError("Please correct the highlighted fields.", fields)
    return results


class WeightField(FloatField):
    """A weight typed in the coalition's unit (kg or lb); ``data`` is kilograms, exact to the gram.

    The label may name the unit as ``{unit}`` ("kg"/"lb") or ``{Unit}`` ("Kilograms"/"Pounds"); it is
    filled in when the form is built, so a coalition's setting applies to every form alike.
    """

    def __init__(self, label=None, validators=None, **kwargs):
        if label:
            label = label.format(unit=units.label(), Unit=units.long_label())
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            # Rounded to the gram once, here; services get kilograms that convert back to those grams.
            self.data = units.from_input(valuelist[0]) / 1000
        except ValueError:
            self.data = None
            raise ValueError(self.gettext("Not a valid number.")) from None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return units.to_display(round(self.data * 1000), grouped=False)
