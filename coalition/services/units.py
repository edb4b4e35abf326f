"""The coalition's weight unit: what people read and type. Storage stays in integer grams.

One place decides the unit (the WEIGHT_UNIT setting, "kg" or "lb"); pages, forms, CSVs, PDFs and
e-mails call these functions rather than dividing by 1000 themselves. The JSON API stays in kilograms.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask import current_app, has_app_context

GRAMS_PER = {"kg": Decimal(1000), "lb": Decimal("453.59237")}  # the international pound, exact
UNITS = tuple(GRAMS_PER)


def unit() -> str:
    """The coalition's display unit; kilograms outside an application (scripts, routing)."""
    if not has_app_context():
        return "kg"
    return current_app.config.get("WEIGHT_UNIT", "kg")


def label(unit_: str | None = None) -> str:
    return unit_ or unit()


def long_label(unit_: str | None = None) -> str:
    """The unit spelled out, for form labels: "Kilograms", "Pounds"."""
    return {"kg": "Kilograms", "lb": "Pounds"}[unit_ or unit()]


def from_input(value: str | float | Decimal, unit_: str | None = None) -> int:
    """A quantity typed in the display unit, as grams: rounded to the nearest gram, once.

    Raises ValueError for text that is not a number."""
    try:
        amount = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not a number")
    return int((amount * GRAMS_PER[unit_ or unit()]).to_integral_value(rounding=ROUND_HALF_UP))


def to_number(grams: int | float | None, unit_: str | None = None) -> float:
    """Grams as a number in the display unit (for sums, charts and CSV cells)."""
    return float(Decimal(grams or 0) / GRAMS_PER[unit_ or unit()])


def to_display(grams: int | None, unit_: str | None = None, grouped: bool = True) -> str:
    """Grams as the shortest text in the display unit that reads back as the same grams.

    12.5 lb is stored as 5670 g and shown again as "12.5"; kilograms show up to the gram (3 decimals).
    grouped=False leaves out thousands separators, for values put back in a form field."""
    unit_ = unit_ or unit()
    if not grams:
        return "0"
    exact = Decimal(grams) / GRAMS_PER[unit_]
    # Four decimals of a pound are under a tenth of a gram, so the loop always ends with an exact read-back.
    for places in range(5):
        plain = f"{exact:.{places}f}"
        if from_input(plain, unit_) == grams:
            return f"{exact:,.{places}f}" if grouped else plain
    return f"{exact:,.4f}" if grouped else f"{exact:.4f}"


def weight_text(grams: int | None, unit_: str | None = None) -> str:
    """Grams with the unit: "12.5 lb"."""
    unit_ = unit_ or unit()
    return f"{to_display(grams, unit_)} {unit_}"


def per_unit(kg_per_thing: float, unit_: str | None = None) -> str:
    """A factor stored per kilogram, in the display unit: 0.544 kg per meal reads "1.2 lb"."""
    unit_ = unit_ or unit()
    amount = Decimal(str(kg_per_thing)) * 1000 / GRAMS_PER[unit_]
    return f"{amount:.3f}".rstrip("0").rstrip(".") if unit_ == "kg" else f"{amount:.2f}".rstrip("0").rstrip(".")


def from_kg(kg_: float | None, unit_: str | None = None) -> float:
    """A figure computed in kilograms (a sum, an average), as a number in the display unit."""
    return float(Decimal(str(kg_ or 0)) * 1000 / GRAMS_PER[unit_ or unit()])


def kg_text(kg_: float | None, unit_: str | None = None) -> str:
    """A weight held in kilograms, with the unit; exact to the gram like weight_text."""
    return weight_text(int((Decimal(str(kg_ or 0)) * 1000).to_integral_value(rounding=ROUND_HALF_UP)), unit_)


def kg_number(kg_: float | None, unit_: str | None = None, grouped: bool = True) -> str:
    """A weight held in kilograms, as display-unit text without the label (table cells; CSV with grouped=False)."""
    grams = int((Decimal(str(kg_ or 0)) * 1000).to_integral_value(rounding=ROUND_HALF_UP))
    return to_display(grams, unit_, grouped)


def price_per(per_kg: float, unit_: str | None = None) -> float:
    """A price per kilogram as a price per display unit ($/kg -> $/lb)."""
    return float(Decimal(str(per_kg)) * GRAMS_PER[unit_ or unit()] / 1000)
