"""The accept form of the matching page: one row per suggestion (ticked or not, kg editable)."""
from __future__ import annotations

import re

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from coalition.errors import ValidationError
from coalition.services import units
from coalition.services.matching import MAX_ROWS, AcceptRow

_KEY = re.compile(r"^(\d{1,12})-(\d{1,12})$")


class AcceptForm(FlaskForm):
    """Carries the CSRF token; the rows are dynamic and read by :func:`parse_rows`."""


def posted_rows(form: MultiDict) -> dict[str, tuple[str, bool]]:
    """What was posted for every row, ``<line>-<need>`` -> (kg text, ticked), to show it again."""
    keys = [k for k in form.getlist("row") if _KEY.match(k)][:MAX_ROWS + 1]
    ticked = set(form.getlist("take"))
    return {key: ((form.get(f"kg-{key}") or "").strip()[:20], key in ticked) for key in keys}


def parse_rows(form: MultiDict) -> list[AcceptRow]:
    """Read the ticked rows (``take``) with their kg (``kg-<line>-<need>``).

    Raises ValidationError naming each ticked row whose kg is not a number.
    """
    rows, errors = [], {}
    for key, (text, take) in posted_rows(form).items():
        if not take:
            continue
        try:
            # Typed in the coalition's unit; the matching service takes kilograms, exact to the gram.
            kg = units.from_input(text) / 1000
        except ValueError:
            errors[f"kg-{key}"] = f"Give the {units.label()} as a number, e.g. 12.5."
            continue
        line_id, need_id = (int(part) for part in _KEY.match(key).groups())
        rows.append(AcceptRow(line_id, need_id, kg))
    if errors:
        raise ValidationError("Please correct the highlighted rows; nothing was claimed.", errors)
    return rows
