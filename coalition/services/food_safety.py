"""The coalition's food-safety policy: how long food may be on the road, by storage class and cold chain.

Defaults (overridden per pair by :class:`FoodSafetyRule` rows, edited on the
backbone's settings page):

- ambient food: 8 hours on any vehicle;
- refrigerated or frozen food on a vehicle with no cold chain: 2 hours (the
  common danger-zone rule: perishable food out of refrigeration);
- refrigerated or frozen food travelling insulated: 4 hours (the FDA Food
  Code's time as a public health control, when it starts cold);
- refrigerated vehicle: the whole shift (no limit of its own).

A line's "safe until" is its pickup plus that time, and never past its use-by.
The routing engine enforces the limit as each request's maximum ride time.

The same page sets the temperature limits per storage class and the grace
margin on arrival (services/cold_chain.py): one policy, stated in one place.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from coalition.errors import PermissionDenied, ValidationError
from coalition.models import User
from coalition.models.route_plan import FoodSafetyRule
from coalition.models.shift import ColdChain
from coalition.models.food import StorageClass
from coalition import permissions
from coalition.services import cold_chain

H = 60  # minutes per hour

#: (storage, cold chain) -> minutes on the road; None = no limit of its own (the shift bounds it).
DEFAULT_MINUTES: dict[tuple[str, str], int | None] = {
    ("ambient", "none"): 8 * H, ("ambient", "insulated"): 8 * H, ("ambient", "refrigerated"): 8 * H,
    ("refrigerated", "none"): 2 * H, ("refrigerated", "insulated"): 4 * H, ("refrigerated", "refrigerated"): None,
    ("frozen", "none"): 2 * H, ("frozen", "insulated"): 4 * H, ("frozen", "refrigerated"): None,
}
MAX_RULE_MINUTES = 24 * H


@dataclass(frozen=True)
class Policy:
    """The policy in force: minutes per (storage, cold chain), None = unlimited."""

    minutes: dict[tuple[str, str], int | None]

    def max_ride_s(self, storage: str, cold_chain: str) -> int | None:
        """Seconds food of ``storage`` may ride on a vehicle with ``cold_chain`` (None: no limit)."""
        value = self.minutes[(storage, cold_chain)]
        return None if value is None else value * 60

    def safe_until(self, picked_up_at: dt.datetime, storage: str, cold_chain: str,
                   use_by: dt.datetime | None) -> dt.datetime | None:
        """The latest time the food may still be on the road: pickup + limit, never past ``use_by``."""
        limit = self.max_ride_s(storage, cold_chain)
        until = None if limit is None else picked_up_at + dt.timedelta(seconds=limit)
        if use_by is not None and (until is None or use_by < until):
            until = use_by
        return until


def load_policy(session: Session) -> Policy:
    """The defaults with the stored overrides applied."""
    minutes = dict(DEFAULT_MINUTES)
    for rule in session.scalars(select(FoodSafetyRule)):
        if (rule.storage, rule.cold_chain) in minutes:
            minutes[(rule.storage, rule.cold_chain)] = rule.max_minutes
    return Policy(minutes)


def list_rules(session: Session) -> list[tuple[StorageClass, ColdChain, int | None, bool]]:
    """Every pair with its minutes in force and whether it overrides the default."""
    stored = {(r.storage, r.cold_chain): r.max_minutes for r in session.scalars(select(FoodSafetyRule))}
    return [(storage, chain, stored.get((storage.value, chain.value), DEFAULT_MINUTES[(storage.value, chain.value)]),
             (storage.value, chain.value) in stored)
            for storage in StorageClass for chain in ColdChain]


def set_rules(session: Session, actor: User, values: dict[tuple[str, str], str]) -> int:
    """Store the posted minutes per pair: a number overrides, an empty value returns to the default.

    ``values`` maps (storage, cold chain) to the text typed. Returns the number
    of overrides in force. Raises PermissionDenied for anyone but backbone
    staff and ValidationError (nothing saved) naming each bad field
    ``<storage>-<cold chain>``.
    """
    if not permissions.can_manage_food_safety(actor):
        raise PermissionDenied("Only the backbone's staff set the food-safety policy.")
    parsed: dict[tuple[str, str], int | None] = {}
    errors: dict[str, str] = {}
    for key in DEFAULT_MINUTES:
        text = (values.get(key) or "").strip()
        if not text:
            parsed[key] = None
            continue
        if not text.isdigit() or not 0 < int(text) <= MAX_RULE_MINUTES:
            errors[f"{key[0]}-{key[1]}"] = f"Give whole minutes between 1 and {MAX_RULE_MINUTES}, or leave empty for the default."
            continue
        parsed[key] = int(text)
    if errors:
        raise ValidationError("Please correct the highlighted limits; nothing was saved.", errors)
    stored = {(r.storage, r.cold_chain): r for r in session.scalars(select(FoodSafetyRule))}
    for key, minutes in parsed.items():
        rule = stored.get(key)
        if minutes is None:
            if rule is not None:
                session.delete(rule)
        elif rule is None:
            session.add(FoodSafetyRule(storage=key[0], cold_chain=key[1], max_minutes=minutes))
        else:
            rule.max_minutes = minutes
    session.flush()
    return sum(1 for m in parsed.values() if m is not None)


def set_policy(session: Session, actor: User, minutes: dict[tuple[str, str], str], temperatures: dict[str, str],
               unit: str) -> int:
    """Save the whole food-safety page: minutes on the road (:func:`set_rules`) and the temperature limits
    typed in ``unit`` (``cold_chain.set_limits``). Nothing is saved unless both are valid; the
    ValidationError names every bad field of both. Returns the number of minute overrides in force."""
    errors: dict[str, str] = {}
    count = 0
    try:
        count = set_rules(session, actor, minutes)
    except ValidationError as error:
        errors.update(error.fields)
    try:
        cold_chain.set_limits(session, actor, temperatures, unit)
    except ValidationError as error:
        errors.update(error.fields)
    if errors:
        raise ValidationError("Please correct the highlighted limits; nothing was saved.", errors)
    return count
