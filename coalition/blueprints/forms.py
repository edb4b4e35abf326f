"""Helpers shared by the HTML forms of every blueprint."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from coalition.errors import DomainError, ValidationError


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
