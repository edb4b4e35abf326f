"""What became of late pickups, and what the coordinators read from it: each pickup's outcome (done, late,
re-assigned, missed with its reason), a driver's reliability over the last 90 days, and the missed pickups
and their weight per month.

Done and late are read from the stop's times (arrived within the margin after the driver was due, or after
it); re-assigned from who drives the claim's pickup now; only "missed" is recorded, by a coordinator.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from coalition import permissions
from coalition.errors import Conflict, PermissionDenied, ValidationError
from coalition.models import DriverAnswer, NoShow, PlanStatus, Route, RoutePlan, Stop, StopKind, StopStatus, User
from coalition.services import audit, claim_progress, places, units
from coalition.services.csv_export import write_csv
from coalition.services.no_shows import NoShowRules, current_pickup, due_at, get_no_show

OUTCOMES = {"open": "Not reached yet", "done": "Done", "late": "Late", "reassigned": "Re-assigned",
            "missed": "Missed"}
HISTORY_DAYS = 90


@dataclass(frozen=True)
class Outcome:
    kind: str            # a key of OUTCOMES
    text: str            # in words, with a missed pickup's reason


def outcome_of(session: Session, row: NoShow, rules: NoShowRules) -> Outcome:
    """What became of a flagged pickup, as it stands now."""
    if row.missed_at is not None:
        return Outcome("missed", f"Missed: {row.missed_reason}")
    stop = current_pickup(session, row.claim_id)
    if stop is None:
        return Outcome("open", "Offered as a rescue, not taken yet")
    if stop.route.shift.acting_driver_id != row.driver_id:
        return Outcome("reassigned", f"Re-assigned to {stop.route.driver.display_name}")
    if stop.arrived_at is not None:
        late = stop.arrived_at > row.due_at + dt.timedelta(minutes=rules.margin_minutes)
        return Outcome("late" if late else "done", OUTCOMES["late" if late else "done"])
    return Outcome("open", OUTCOMES["open"])


def list_recent(session: Session, now: dt.datetime, days: int = 2) -> list[NoShow]:
    """Pickups flagged in the last ``days`` days, the newest first (the coordinators' page)."""
    return list(session.scalars(select(NoShow).where(NoShow.flagged_at >= now - dt.timedelta(days=days))
                                .order_by(NoShow.flagged_at.desc(), NoShow.id.desc())))


def record_missed(session: Session, actor: User, no_show_id, reason, now: dt.datetime) -> NoShow:
    """A coordinator records that a flagged pickup's food was not collected, and why; the donor and the
    recipient hear of the problem. Raises PermissionDenied, NotFound, ValidationError (no reason) and
    Conflict (already missed, or the food was picked up after all)."""
    if not permissions.can_dispatch(actor):
        raise PermissionDenied("Only the backbone's coordinators record missed pickups.")
    row = get_no_show(session, no_show_id)
    reason = (reason if isinstance(reason, str) else "").strip()
    if not reason:
        raise ValidationError("Say why the pickup was missed.", {"reason": "Why was the food not collected?"})
    if len(reason) > 300:
        raise ValidationError("Keep the reason short.", {"reason": "At most 300 characters."})
    if row.missed_at is not None:
        raise Conflict("This pickup is already recorded as missed.")
    stop = current_pickup(session, row.claim_id)
    if stop is not None and stop.status is StopStatus.DONE:
        raise Conflict("This food was picked up: it was not missed.")
    row.missed_at, row.missed_reason, row.missed_by_id = now, reason, actor.id
    audit.record(session, actor, "no_show", row.id, "missed", now, None, reason=reason)
    claim_progress.tell_problem(session, row.claim, "The pickup was missed", now)
    session.flush()
    return row


# --- a driver's reliability -------------------------------------------------------------------

@dataclass
class Reliability:
    driver: User
    since: dt.date
    counts: Counter = field(default_factory=Counter)   # on_time, late, missed, cant_make_it, reassigned
    entries: list[tuple[dt.datetime, str, str]] = field(default_factory=list)   # (when, what, outcome), newest first


def reliability(session: Session, driver: User, now: dt.datetime, tz: dt.tzinfo, rules: NoShowRules,
                days: int = HISTORY_DAYS) -> Reliability:
    """The driver's pickups of the last ``days`` days on published routes: on time or late (arrival against
    when they were due, plus the margin), and the flagged ones' answers and outcomes."""
    since = now.astimezone(tz).date() - dt.timedelta(days=days)
    result = Reliability(driver, since)
    margin = dt.timedelta(minutes=rules.margin_minutes)
    stops = session.scalars(
        select(Stop).join(Route, Stop.route_id == Route.id).join(RoutePlan, Route.plan_id == RoutePlan.id)
        .where(Route.driver_id == driver.id, RoutePlan.status == PlanStatus.PUBLISHED,
               RoutePlan.local_date >= since, Stop.kind == StopKind.PICKUP, Stop.arrived_at.is_not(None)))
    for stop in stops:
        late = stop.arrived_at > due_at(stop) + margin
        result.counts["late" if late else "on_time"] += 1
        if late:
            result.entries.append((stop.arrived_at, _what(stop.claim), "Late"))
    for row in session.scalars(select(NoShow).where(NoShow.driver_id == driver.id, NoShow.due_at >= now - dt.timedelta(days=days))):
        outcome = outcome_of(session, row, rules)
        if row.answer is DriverAnswer.CANT_MAKE_IT:
            result.counts["cant_make_it"] += 1
        if outcome.kind in ("missed", "reassigned"):
            result.counts[outcome.kind] += 1
        if outcome.kind != "late":   # a late arrival is listed from its stop above
            answered = " (said they could not make it)" if row.answer is DriverAnswer.CANT_MAKE_IT else ""
            result.entries.append((row.due_at, _what(row.claim), outcome.text + answered))
    result.entries.sort(key=lambda entry: entry[0], reverse=True)
    return result


def _what(claim) -> str:
    return f"{units.weight_text(claim.quantity_g)} {claim.line.description} at {places.public_name(claim.line.donation.donor)}"


# --- missed pickups per month -------------------------------------------------------------------

@dataclass(frozen=True)
class MissedMonth:
    month: dt.date       # its first day
    pickups: int
    grams: int


def missed_by_month(session: Session, tz: dt.tzinfo) -> list[MissedMonth]:
    """Missed pickups and the weight they would have carried, per local month of when they were due, newest first."""
    months: dict[dt.date, list[int]] = {}
    for row in session.scalars(select(NoShow).where(NoShow.missed_at.is_not(None))):
        month = row.due_at.astimezone(tz).date().replace(day=1)
        months.setdefault(month, []).append(row.claim.quantity_g)
    return [MissedMonth(month, len(grams), sum(grams)) for month, grams in sorted(months.items(), reverse=True)]


def missed_csv(months: list[MissedMonth]) -> str:
    """The missed pickups per month as CSV, weights in the coalition's unit."""
    unit = units.unit()
    return write_csv(["month", "missed_pickups", f"{unit}_not_collected"],
                     [(f"{m.month:%Y-%m}", m.pickups, units.to_display(m.grams, unit, grouped=False)) for m in months])
