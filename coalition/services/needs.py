"""Needs: what a food bank or shelter asks for, and when it can receive deliveries."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from coalition import permissions
from coalition.errors import Conflict, NotFound, PermissionDenied, ValidationError
from coalition.models import WEEKDAYS, FoodCategory, Need, NeedStatus, Organization, OrganizationKind, StorageClass, User, grams
from coalition.services import audit
from coalition.services.donations import MAX_LEAD, validate_window

MAX_NEED_KG = 50_000              # more than a few trucks in one need is a typo
MAX_CAPACITY_KG = 1_000_000
MAX_PEOPLE = 1_000_000
MAX_WINDOWS = 5
MAX_DELIVERY_WINDOW = dt.timedelta(days=7)
DEFAULT_DELIVERY = dt.timedelta(hours=2)


@dataclass
class NeedInput:
    """A need as plain values; times are time-zone aware, ``delivery_windows`` a list of (start, end)."""

    category: str | FoodCategory
    storage: str | StorageClass
    kg: float | None
    needed_by: dt.datetime | None
    delivery_windows: list[tuple[dt.datetime | None, dt.datetime | None]] = field(default_factory=list)
    refrigerated_free_kg: float | None = 0
    frozen_free_kg: float | None = 0
    people_expected: int | None = 0
    notes: str = ""


def _enum(enum_class, value, name: str, errors: dict):
    if isinstance(value, enum_class):
        return value
    try:
        return enum_class(value)
    except ValueError:
        errors[name] = f"Unknown value {value!r}: choose one of {', '.join(m.value for m in enum_class)}."
        return None


def _number(value, name: str, errors: dict, *, positive: bool, most: float, what: str) -> float | None:
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        errors[name] = f"Give {what}."
    elif positive and value <= 0:
        errors[name] = "Must be more than 0."
    elif value < 0:
        errors[name] = "Must be 0 or more."
    elif value > most:
        errors[name] = f"{value:g} is more than we accept ({most:g})."
    else:
        return value
    return None


def _validated(data: NeedInput, now: dt.datetime) -> dict:
    """Check every field; return the model's values or raise ValidationError naming each bad field."""
    errors: dict[str, str] = {}
    category = _enum(FoodCategory, data.category, "category", errors)
    storage = _enum(StorageClass, data.storage, "storage", errors)
    kg = _number(data.kg, "kg", errors, positive=True, most=MAX_NEED_KG, what="the kg you need")
    if kg is not None and grams(kg) == 0:
        errors["kg"] = "Ask for at least 1 gram."
    fridge = _number(data.refrigerated_free_kg or 0, "refrigerated_free_kg", errors, positive=False,
                     most=MAX_CAPACITY_KG, what="the refrigerated kg free")
    freezer = _number(data.frozen_free_kg or 0, "frozen_free_kg", errors, positive=False,
                      most=MAX_CAPACITY_KG, what="the frozen kg free")
    people = data.people_expected or 0
    if isinstance(people, bool) or not isinstance(people, int):
        errors["people_expected"] = "Give a whole number of people."
    elif not 0 <= people <= MAX_PEOPLE:
        errors["people_expected"] = "Give 0 or more people."
    needed_by = data.needed_by
    if needed_by is None:
        errors["needed_by"] = "Say by when you need it."
    elif needed_by.tzinfo is None:
        errors["needed_by"] = "The time needs a time zone."
    elif needed_by <= now:
        errors["needed_by"] = "This date is in the past: give a date in the future."
    elif needed_by - now > MAX_LEAD:
        errors["needed_by"] = f"That is too far ahead (at most {MAX_LEAD.days} days)."
    if len(data.delivery_windows) > MAX_WINDOWS:
        errors["delivery_windows"] = f"At most {MAX_WINDOWS} delivery windows."
    windows = []
    for index, (start, end) in enumerate(data.delivery_windows[:MAX_WINDOWS]):
        window_errors: dict[str, str] = {}
        validate_window(start, end, now, "window", window_errors, MAX_DELIVERY_WINDOW, "delivery window")
        for key, message in window_errors.items():
            errors[f"delivery_windows-{index}-{key.removeprefix('window_')}"] = message
        if not window_errors:
            windows.append({"start": start.astimezone(dt.timezone.utc).isoformat(),
                            "end": end.astimezone(dt.timezone.utc).isoformat()})
    notes = (data.notes or "").strip()
    if len(notes) > 300:
        errors["notes"] = "Keep the notes under 300 characters."
    if errors:
        raise ValidationError("Please correct the highlighted fields.", errors)
    windows.sort(key=lambda w: w["start"])
    return dict(category=category, storage=storage, quantity_g=grams(kg), needed_by=needed_by,
                delivery_windows=windows, refrigerated_free_g=grams(fridge), frozen_free_g=grams(freezer),
                people_expected=people, notes=notes)


def post_need(session: Session, actor: User, recipient: Organization, data: NeedInput, now: dt.datetime) -> Need:
    """Post a need for a food bank or shelter.

    Raises PermissionDenied when the actor cannot post for ``recipient``, ValidationError on bad input.
    """
    if not permissions.can_post_need(actor, recipient):
        raise PermissionDenied(f"You cannot post needs for {recipient.name}.")
    need = Need(recipient=recipient, created_by_id=actor.id, created_at=now, **_validated(data, now))
    session.add(need)
    session.flush()
    audit.record(session, actor, "need", need.id, "posted", now, recipient.id,
                 category=need.category.value, kg=need.quantity_g / 1000)
    return need


def update_need(session: Session, actor: User, need: Need, data: NeedInput, now: dt.datetime) -> Need:
    """Change an open need; raises PermissionDenied, Conflict (no longer open) or ValidationError."""
    if not permissions.can_manage_need(actor, need):
        raise PermissionDenied("You cannot change this need.")
    if need.status is not NeedStatus.OPEN:
        raise Conflict(f"This need is {need.status.value}; it can no longer be changed.")
    values = _validated(data, now)
    changed = {}
    for name, value in values.items():
        if getattr(need, name) != value:
            before = getattr(need, name)
            changed[name] = [_json_safe(before), _json_safe(value)]
            setattr(need, name, value)
    audit.record(session, actor, "need", need.id, "updated", now, need.recipient_id, **changed)
    session.flush()
    return need


def _json_safe(value):
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value


def cancel_need(session: Session, actor: User, need: Need, now: dt.datetime) -> Need:
    """Withdraw an open need; raises PermissionDenied or Conflict when it is no longer open."""
    if not permissions.can_manage_need(actor, need):
        raise PermissionDenied("You cannot cancel this need.")
    if need.status is not NeedStatus.OPEN:
        raise Conflict(f"This need is already {need.status.value}.")
    need.status = NeedStatus.CANCELLED
    audit.record(session, actor, "need", need.id, "cancelled", now, need.recipient_id)
    session.flush()
    return need


def get_need(session: Session, need_id: int) -> Need:
    need = session.get(Need, need_id)
    if need is None:
        raise NotFound("There is no such need.")
    return need


def list_open_needs(session: Session, recipient: Organization | None = None) -> list[Need]:
    """Open needs, soonest first; only ``recipient``'s when given."""
    query = (select(Need).where(Need.status == NeedStatus.OPEN)
             .order_by(Need.needed_by, Need.id).options(selectinload(Need.recipient)))
    if recipient is not None:
        query = query.where(Need.recipient_id == recipient.id)
    return list(session.scalars(query))


def list_recipients(session: Session) -> list[Organization]:
    """Active food banks and shelters, by name: whom the backbone may act for."""
    return list(session.scalars(select(Organization).where(
        Organization.active.is_(True),
        Organization.kind.in_([OrganizationKind.FOOD_BANK, OrganizationKind.SHELTER])).order_by(Organization.name)))


def suggest_delivery_window(recipient: Organization, after: dt.datetime, timezone: str,
                            length: dt.timedelta = DEFAULT_DELIVERY) -> tuple[dt.datetime, dt.datetime]:
    """A delivery window (UTC) inside the recipient's receiving hours, starting no earlier than ``after``.

    Looks at the day of ``after`` (local time) and the next six; falls back to
    ``after`` .. ``after + length`` when the recipient has no hours on record.
    """
    zone = ZoneInfo(timezone)
    # Start on a quarter hour: nobody books a delivery at 14:07:33.
    local_after = after.astimezone(zone).replace(second=0, microsecond=0)
    local_after += dt.timedelta(minutes=-local_after.minute % 15)
    after = local_after.astimezone(dt.timezone.utc)
    for offset in range(7):
        day = local_after.date() + dt.timedelta(days=offset)
        for opens, closes in recipient.hours_for(WEEKDAYS[day.weekday()]):
            start = dt.datetime.combine(day, dt.time.fromisoformat(opens), zone)
            end = dt.datetime.combine(day, dt.time.fromisoformat(closes), zone)
            start = max(start, local_after)
            if end - start >= dt.timedelta(minutes=30):
                return start.astimezone(dt.timezone.utc), min(end, start + length).astimezone(dt.timezone.utc)
    return after, after + length
