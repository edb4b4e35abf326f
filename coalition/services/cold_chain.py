"""The cold chain: temperature limits per storage class, the readings drivers take, and what they decide.

Rules (Feeding America's grocery rescue guidelines, configurable on the
food-safety page):

- refrigerated food at or below 5 °C (41 °F), frozen food at or below -18 °C
  (0 °F), at pickup and on arrival;
- food above its limit at pickup is refused, with a reason;
- food above its limit on arrival is accepted only within a grace margin
  (default 1 °C), else discarded; recipient and driver decide together.

Temperatures are whole tenths of a degree Celsius (``*_dc``); the pages use the
coalition's unit (``TEMPERATURE_UNIT``, "C" or "F") and convert at the edge.
Refused and discarded food becomes a delivery record with its own outcome
(``deliveries.record_cold_chain_loss``): food lost, never food distributed.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math

from sqlalchemy import select
from sqlalchemy.orm import Session

from coalition import permissions
from coalition.errors import Conflict, PermissionDenied, ValidationError
from coalition.models import Claim, StorageClass, User
from coalition.models.cold_chain import ColdChainSetting, TemperatureReading

DEFAULT_REFRIGERATED_MAX_DC = 50     # 5 °C / 41 °F
DEFAULT_FROZEN_MAX_DC = -180         # -18 °C / 0 °F
DEFAULT_GRACE_DC = 10                # 1 °C
UNITS = ("C", "F")
# Readings outside this range are typing mistakes, not food (°C).
READING_RANGE_C = (-50.0, 60.0)
REASONS = {
    "too_warm": "Too warm",
    "packaging_damaged": "Packaging damaged",
    "past_use_by": "Past use-by",
    "other": "Other",
}
OUTCOME_LABELS = {
    "within": "Within limits", "accepted_in_grace": "Accepted within the grace margin",
    "refused": "Refused at pickup", "discarded": "Discarded on arrival",
}


class ColdChainDecision(Conflict):
    """A reading above the limit: the driver chooses (refuse with a reason; accept or discard) and sends again."""


@dataclasses.dataclass(frozen=True)
class Limits:
    """The limits in force, in tenths of a degree Celsius."""

    refrigerated_max_dc: int = DEFAULT_REFRIGERATED_MAX_DC
    frozen_max_dc: int = DEFAULT_FROZEN_MAX_DC
    delivery_grace_dc: int = DEFAULT_GRACE_DC

    def limit_dc(self, storage: StorageClass | str) -> int | None:
        """The highest safe reading for ``storage``; None for ambient food (nothing to check)."""
        storage = StorageClass(storage)
        return {StorageClass.REFRIGERATED: self.refrigerated_max_dc,
                StorageClass.FROZEN: self.frozen_max_dc}.get(storage)


# --- units -------------------------------------------------------------------------

def to_dc(value: float, unit: str) -> int:
    """A reading in ``unit`` ("C" or "F") as tenths of a degree Celsius, rounded."""
    celsius = (value - 32) * 5 / 9 if unit == "F" else value
    return int(round(celsius * 10))


def from_dc(value_dc: int, unit: str) -> float:
    """Tenths of a degree Celsius in ``unit``, to one decimal."""
    celsius = value_dc / 10
    return round(celsius * 9 / 5 + 32, 1) if unit == "F" else round(celsius, 1)


def format_dc(value_dc: int | None, unit: str, delta: bool = False) -> str:
    """"41 °F" / "5 °C"; a ``delta`` (a margin) converts without the 32° offset."""
    if value_dc is None:
        return ""
    number = (value_dc / 10 * 9 / 5 if unit == "F" else value_dc / 10) if delta else from_dc(value_dc, unit)
    return f"{round(number, 1):g} °{unit}"


def parse_reading(text, unit: str, field: str = "temperature") -> int:
    """A typed reading (``unit``; "5,5" accepted) as tenths of °C. Raises ValidationError naming ``field``."""
    value = None
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        value = float(text)
    elif isinstance(text, str) and text.strip():
        try:
            value = float(text.strip().replace(",", ".").replace("−", "-"))
        except ValueError:
            value = None
    if unit not in UNITS:
        unit = "C"
    low, high = READING_RANGE_C
    if value is None or not math.isfinite(value) or not low <= (to_dc(value, unit) / 10) <= high:
        raise ValidationError("Check the food's temperature.",
                              {field: f"Check the food's temperature: give the thermometer's reading in °{unit}."})
    return to_dc(value, unit)


# --- the settings ------------------------------------------------------------------

def load_limits(session: Session) -> Limits:
    """The stored limits, or the defaults when the backbone never changed them."""
    row = session.scalar(select(ColdChainSetting).order_by(ColdChainSetting.id).limit(1))
    if row is None:
        return Limits()
    return Limits(row.refrigerated_max_dc, row.frozen_max_dc, row.delivery_grace_dc)


def set_limits(session: Session, actor: User, values: dict[str, str], unit: str) -> Limits:
    """Store the limits typed in ``unit``: ``refrigerated_max``, ``frozen_max`` and ``delivery_grace``.

    An empty box returns to its default. Raises PermissionDenied for anyone but
    the backbone's staff and ValidationError (nothing saved) naming each bad field.
    """
    if not permissions.can_manage_food_safety(actor):
        raise PermissionDenied("Only the backbone's staff set the food-safety policy.")
    defaults = Limits()
    parsed: dict[str, int] = {}
    errors: dict[str, str] = {}
    for name, default, low_c, high_c in (("refrigerated_max", defaults.refrigerated_max_dc, -5, 10),
                                         ("frozen_max", defaults.frozen_max_dc, -40, -5),
                                         ("delivery_grace", defaults.delivery_grace_dc, 0, 5)):
        text = (values.get(name) or "").strip()
        if not text:
            parsed[name] = default
            continue
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            number = math.nan
        value_dc = (int(round(number * 5 / 9 * 10)) if unit == "F" else int(round(number * 10))) \
            if name == "delivery_grace" and math.isfinite(number) else \
            (to_dc(number, unit) if math.isfinite(number) else None)
        if value_dc is None or not low_c * 10 <= value_dc <= high_c * 10:
            shown = (format_dc(low_c * 10, unit, name == "delivery_grace"), format_dc(high_c * 10, unit, name == "delivery_grace"))
            errors[name] = f"Give a temperature between {shown[0]} and {shown[1]}, or leave empty for the default."
            continue
        parsed[name] = value_dc
    if errors:
        raise ValidationError("Please correct the highlighted limits; nothing was saved.", errors)
    row = session.scalar(select(ColdChainSetting).order_by(ColdChainSetting.id).limit(1))
    if row is None:
        row = ColdChainSetting(refrigerated_max_dc=0, frozen_max_dc=0, delivery_grace_dc=0)
        session.add(row)
    row.refrigerated_max_dc = parsed["refrigerated_max"]
    row.frozen_max_dc = parsed["frozen_max"]
    row.delivery_grace_dc = parsed["delivery_grace"]
    session.flush()
    return load_limits(session)


# --- readings ----------------------------------------------------------------------

def record_reading(session: Session, actor: User | None, claim: Claim, stop_id: int | None, stage: str,
                   temperature_dc: int, limit_dc: int, outcome: str, reason: str, taken_at: dt.datetime
                   ) -> TemperatureReading:
    """Store one reading with the limit it was held to and the outcome (within, accepted_in_grace, refused, discarded)."""
    reading = TemperatureReading(
        claim_id=claim.id, stop_id=stop_id, stage=stage, storage=StorageClass(claim.line.storage).value,
        temperature_dc=temperature_dc, limit_dc=limit_dc, outcome=outcome, reason=reason, taken_at=taken_at,
        taken_by_id=actor.id if actor is not None else None)
    session.add(reading)
    session.flush()
    return reading


def parse_reason(value, field: str = "refuse_reason") -> str:
    """One of REASONS; raises ValidationError naming ``field``."""
    if value not in REASONS:
        raise ValidationError("Say why.", {field: "Choose a reason: " + ", ".join(r.lower() for r in REASONS.values()) + "."})
    return value


def pickup_outcome(limits: Limits, storage, temperature_dc: int, refuse_reason, unit: str) -> tuple[str, str]:
    """(outcome, reason) of a reading at pickup: "within", or "refused" with a reason.

    A reading above the limit cannot be picked up: without a reason it raises
    ColdChainDecision asking for one (409); a reason given refuses the line at any reading.
    """
    limit = limits.limit_dc(storage)
    if refuse_reason not in (None, ""):
        return "refused", parse_reason(refuse_reason)
    if temperature_dc > limit:
        raise ColdChainDecision(
            f"{format_dc(temperature_dc, unit)} is above the {format_dc(limit, unit)} limit for "
            f"{StorageClass(storage).value} food: refuse the line and say why.",
            {"refuse_reason": f"Too warm ({format_dc(temperature_dc, unit)}): refuse it and choose a reason."})
    return "within", ""


def delivery_outcome(limits: Limits, storage, temperature_dc: int, decision, unit: str) -> str:
    """The outcome of a reading on arrival: within, accepted_in_grace or discarded.

    Above the limit the recipient and the driver decide (``decision``: "accept" or
    "discard"); without one it raises ColdChainDecision (409). Beyond the grace
    margin only "discard" is possible (ValidationError on "accept").
    """
    limit = limits.limit_dc(storage)
    if decision == "discard":
        return "discarded"
    if temperature_dc <= limit:
        return "within"
    beyond = temperature_dc > limit + limits.delivery_grace_dc
    if decision == "accept":
        if beyond:
            raise ValidationError("Too warm to accept.", {"cold_decision": (
                f"{format_dc(temperature_dc, unit)} is more than {format_dc(limits.delivery_grace_dc, unit, True)} "
                f"above the {format_dc(limit, unit)} limit: the food must be discarded.")})
        return "accepted_in_grace"
    raise ColdChainDecision(
        f"{format_dc(temperature_dc, unit)} is above the {format_dc(limit, unit)} limit: decide with the recipient.",
        {"cold_decision": ("Discard it: it is beyond the grace margin." if beyond else
                           f"Accept (within the {format_dc(limits.delivery_grace_dc, unit, True)} grace margin) or discard.")})
