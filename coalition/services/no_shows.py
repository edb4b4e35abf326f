"""No-show escalation: a pickup whose driver has not arrived in time is flagged, its driver asked "are you on
your way?", and, without an answer, after "can't make it", or when "on my way" ran out, the coordinators are
told with the nearest drivers who could take it over and one tap to re-plan or offer it as a rescue.

The periodic worker runs :func:`run_escalation`; each step stores its moment on the ``NoShow`` row in the same
transaction as the message it sends (one row per claim and driver), so a restarted worker never flags, asks
or alerts twice. What became of each pickup, the drivers' reliability and the missed kg per month are read
in ``services/no_show_records.py``.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from coalition import permissions
from coalition.errors import Conflict, NotFound, PermissionDenied, ValidationError
from coalition.models import (
    DriverAnswer,
    Membership,
    NoShow,
    NotificationKind,
    Organization,
    OrganizationKind,
    PlanStatus,
    Role,
    Route,
    RoutePlan,
    Stop,
    StopKind,
    StopStatus,
    User,
)
from coalition.services import audit, notifications, places, rescue_waves, rescues, units
from coalition.services.notifications import Page
from coalition.services.planning import edits

ANSWERS = {DriverAnswer.ON_THE_WAY.value: "Yes, on my way", DriverAnswer.CANT_MAKE_IT.value: "I can't make it"}
REASONS = {"no_answer": "no answer from the driver", "cant_make_it": "the driver can't make it",
           "still_not_arrived": "the driver said they were on the way but has not arrived"}


@dataclass(frozen=True)
class NoShowRules:
    """Minutes after the driver was due before the pickup is flagged (``margin``), the driver's time to answer
    before the coordinators are told (``answer``), how long "on my way" holds the escalation (``hold``), the
    radius of the drivers offered to take over, and how far back a pickup may be due and still flagged (a
    worker that was stopped for a day does not wake drivers about yesterday)."""

    margin_minutes: int = 15
    answer_minutes: int = 10
    hold_minutes: int = 20
    radius_km: float = 15.0
    lookback_hours: int = 6

    @classmethod
    def from_config(cls, config: Mapping) -> "NoShowRules":
        return cls(margin_minutes=int(config.get("NO_SHOW_MARGIN_MINUTES", 15)),
                   answer_minutes=int(config.get("NO_SHOW_ANSWER_MINUTES", 10)),
                   hold_minutes=int(config.get("NO_SHOW_HOLD_MINUTES", 20)),
                   radius_km=float(config.get("RESCUE_RADIUS_KM", 15)))


@dataclass(frozen=True)
class StandIn:
    """A driver who could take the pickup over: their distance to it and, when they drive a route of the
    same plan, that route (the re-plan moves the pickup onto it)."""

    driver: User
    distance_km: float
    route_id: int | None


def due_at(stop: Stop) -> dt.datetime:
    """When the driver was due at a pickup: its window's opening, or the planned start when that is later."""
    return max(stop.claim.line.donation.pickup_start, stop.service_start_at)


def get_no_show(session: Session, no_show_id) -> NoShow:
    row = session.get(NoShow, no_show_id) if isinstance(no_show_id, int) else None
    if row is None:
        raise NotFound("There is no such late pickup.")
    return row


def current_pickup(session: Session, claim_id: int) -> Stop | None:
    """The claim's pickup on a published route as it stands now (None once handed over as a rescue offer)."""
    return session.scalars(
        select(Stop).join(Route, Stop.route_id == Route.id).join(RoutePlan, Route.plan_id == RoutePlan.id)
        .where(Stop.claim_id == claim_id, Stop.kind == StopKind.PICKUP, RoutePlan.status == PlanStatus.PUBLISHED,
               Stop.status != StopStatus.SKIPPED).order_by(Stop.id.desc())).first()


def _arrived(stop: Stop | None) -> bool:
    return stop is not None and (stop.arrived_at is not None or stop.status is not StopStatus.PENDING)


# --- the worker's steps ---------------------------------------------------------------------

def run_escalation(session: Session, now: dt.datetime, tz: dt.tzinfo, rules: NoShowRules) -> tuple[int, int]:
    """Flag the late pickups (asking their drivers) and tell the coordinators of those now due; returns
    (pickups flagged, alerts sent). Flushes; the worker commits."""
    return flag_late_pickups(session, now, rules), escalate_due(session, now, tz, rules)


def flag_late_pickups(session: Session, now: dt.datetime, rules: NoShowRules) -> int:
    """Flag each pending pickup of a published route whose driver is more than the margin late, once per claim
    and driver, and ask the driver whether they are on their way."""
    margin = dt.timedelta(minutes=rules.margin_minutes)
    late = session.scalars(
        select(Stop).join(Route, Stop.route_id == Route.id).join(RoutePlan, Route.plan_id == RoutePlan.id)
        .where(RoutePlan.status == PlanStatus.PUBLISHED, Stop.kind == StopKind.PICKUP,
               Stop.status == StopStatus.PENDING, Stop.arrived_at.is_(None),
               Stop.service_start_at <= now - margin,
               Stop.service_start_at > now - dt.timedelta(hours=rules.lookback_hours))
        .order_by(Stop.service_start_at, Stop.id)).all()
    flagged = 0
    for stop in late:
        due = due_at(stop)
        driver = session.get(User, stop.route.shift.acting_driver_id)
        if due + margin > now or driver is None or stop.claim.line.donation.pickup_end <= now:
            continue
        if session.scalar(select(NoShow.id).where(NoShow.claim_id == stop.claim_id, NoShow.driver_id == driver.id)):
            continue
        row = NoShow(claim_id=stop.claim_id, driver_id=driver.id, stop_id=stop.id, due_at=due, flagged_at=now,
                     answer=DriverAnswer.NONE, escalation_reason="", missed_reason="")
        session.add(row)
        session.flush()
        minutes = int((now - due).total_seconds() // 60)
        notifications.notify_user(
            session, driver, NotificationKind.NO_SHOW_CHECK,
            f"Are you on your way to {places.public_name(stop.organization)}?",
            f"The pickup of {units.weight_text(stop.claim.quantity_g)} {stop.claim.line.description} was due "
            f"{minutes} minutes ago. Tell the coordinators: on your way, or can't make it.",
            Page("driver.no_show_question", {"no_show_id": row.id}), now)
        flagged += 1
    session.flush()
    return flagged


def escalate_due(session: Session, now: dt.datetime, tz: dt.tzinfo, rules: NoShowRules) -> int:
    """Tell the coordinators of each flagged pickup still not reached whose driver did not answer in time,
    or whose "on my way" ran out; returns how many pickups were escalated."""
    # Only recent flags: one whose driver arrived stays unescalated for good and need not be read every run.
    waiting = session.scalars(select(NoShow).where(
        NoShow.escalated_at.is_(None), NoShow.missed_at.is_(None),
        NoShow.flagged_at > now - dt.timedelta(hours=rules.lookback_hours)).order_by(NoShow.id)).all()
    told = 0
    for row in waiting:
        stop = current_pickup(session, row.claim_id)
        if stop is None or _arrived(stop) or stop.route.shift.acting_driver_id != row.driver_id:
            continue
        if row.answer is DriverAnswer.NONE and row.flagged_at + dt.timedelta(minutes=rules.answer_minutes) <= now:
            _escalate(session, row, stop, "no_answer", now, tz, rules)
            told += 1
        elif row.answer is DriverAnswer.ON_THE_WAY and row.hold_until is not None and row.hold_until <= now:
            _escalate(session, row, stop, "still_not_arrived", now, tz, rules)
            told += 1
    session.flush()
    return told


def coordinators(session: Session) -> list[User]:
    """The people who plan the routes: the backbone's active admins and coordinators."""
    return list(session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .join(Organization, Organization.id == Membership.organization_id)
        .where(Organization.kind == OrganizationKind.BACKBONE, Organization.active.is_(True),
               Membership.active.is_(True), Membership.role.in_((Role.ADMIN, Role.COORDINATOR)),
               User.active.is_(True)).distinct().order_by(User.id)))


def stand_ins(session: Session, row: NoShow, now: dt.datetime, tz: dt.tzinfo, rules: NoShowRules) -> list[StandIn]:
    """The nearest drivers who could collect the late pickup (shift today, place and cold chain fit, ready),
    the late driver left out; each with their route in the same plan when they have one."""
    stop = current_pickup(session, row.claim_id)
    routes = {r.shift.acting_driver_id: r.id for r in stop.route.plan.routes} if stop is not None else {}
    return [StandIn(c.driver, c.distance_km, routes.get(c.driver.id))
            for c in rescue_waves.fitting_drivers(session, [row.claim], now, tz, rules.radius_km)
            if c.driver.id != row.driver_id]


def _escalate(session: Session, row: NoShow, stop: Stop, reason: str, now: dt.datetime, tz: dt.tzinfo,
              rules: NoShowRules) -> None:
    row.escalated_at, row.escalation_reason = now, reason
    claim = stop.claim
    nearest = stand_ins(session, row, now, tz, rules)[:3]
    names = ", ".join(f"{s.driver.display_name} ({s.distance_km:.1f} km)" for s in nearest)
    body = (f"{row.driver.display_name}: {REASONS[reason]}. Due {row.due_at.astimezone(tz):%H:%M}, pickup window "
            f"until {claim.line.donation.pickup_end.astimezone(tz):%H:%M}. "
            + (f"Nearest drivers who could take it: {names}." if names else "No driver on shift fits nearby.")
            + " Re-plan or offer it as a rescue in one tap.")
    title = (f"Late pickup: {units.weight_text(claim.quantity_g)} {claim.line.description} at "
             f"{places.public_name(stop.organization)}")
    for person in coordinators(session):
        notifications.notify_user(session, person, NotificationKind.NO_SHOW_ALERT, title, body,
                                  Page("driver.no_show", {"no_show_id": row.id}), now)
    session.flush()


# --- the driver's answer ------------------------------------------------------------------

def answer(session: Session, actor: User, no_show_id, choice, now: dt.datetime, tz: dt.tzinfo,
           rules: NoShowRules) -> NoShow:
    """The late driver answers: "on_the_way" holds the escalation for the hold time; "cant_make_it" tells the
    coordinators at once. Raises NotFound, PermissionDenied (someone else's pickup), ValidationError (no such
    answer) and Conflict (already arrived, already unable, or already said on the way)."""
    row = get_no_show(session, no_show_id)
    if actor.id != row.driver_id:
        raise PermissionDenied("This question is for the pickup's driver.")
    if choice not in ANSWERS:
        raise ValidationError("Choose an answer.", {"answer": "On my way, or can't make it."})
    stop = current_pickup(session, row.claim_id)
    if stop is None or stop.route.shift.acting_driver_id != row.driver_id:
        raise Conflict("This pickup is no longer on your route: the coordinators handed it over. Thank you!")
    if _arrived(stop):
        raise Conflict("You have already arrived at this pickup.")
    if row.answer is DriverAnswer.CANT_MAKE_IT:
        raise Conflict("You already told the coordinators you can't make it.")
    if row.answer is DriverAnswer.ON_THE_WAY and choice == DriverAnswer.ON_THE_WAY.value:
        raise Conflict("You already said you are on your way.")
    row.answer, row.answered_at = DriverAnswer(choice), now
    if row.answer is DriverAnswer.ON_THE_WAY:
        row.hold_until = now + dt.timedelta(minutes=rules.hold_minutes)
    elif row.escalated_at is None:
        _escalate(session, row, stop, "cant_make_it", now, tz, rules)
    else:   # the coordinators were told already; now they know the driver will not come
        for person in coordinators(session):
            notifications.notify_user(session, person, NotificationKind.NO_SHOW_ALERT,
                                      f"{actor.display_name} can't make the pickup at {places.public_name(stop.organization)}",
                                      "Re-plan or offer it as a rescue in one tap.",
                                      Page("driver.no_show", {"no_show_id": row.id}), now)
    audit.record(session, actor, "no_show", row.id, "answered", now, None, answer=choice)
    session.flush()
    return row


# --- the coordinator's one tap --------------------------------------------------------------

def _open_pickup(session: Session, row: NoShow) -> Stop:
    stop = current_pickup(session, row.claim_id)
    if row.missed_at is not None:
        raise Conflict("This pickup was recorded as missed.")
    if stop is None or stop.route.shift.acting_driver_id != row.driver_id:
        raise Conflict("This pickup was already handed over.")
    if _arrived(stop):
        raise Conflict("The driver has arrived at this pickup.")
    return stop


def replan_to(session: Session, actor: User, no_show_id, route_id, now: dt.datetime) -> RoutePlan:
    """Move the late pickup onto another driver's route of the same plan (a re-solve of the published plan,
    ``planning/edits.move_request``); the coordinator reviews and publishes it. Returns the SOLVING plan.
    Raises PermissionDenied, NotFound, ValidationError (no route, or the late driver's) and Conflict."""
    if not permissions.can_plan_routes(actor):
        raise PermissionDenied("Only the backbone's coordinators re-plan.")
    row = get_no_show(session, no_show_id)
    stop = _open_pickup(session, row)
    if not isinstance(route_id, int) or route_id == stop.route_id:
        raise ValidationError("Choose the driver who takes it over.", {"route_id": "Another driver's route."})
    plan = edits.move_request(session, actor, stop.route.plan, row.claim_id, route_id, now)
    audit.record(session, actor, "no_show", row.id, "replanned", now, None, plan_id=plan.id, route_id=route_id)
    return plan


def offer_as_rescue(session: Session, actor: User, no_show_id, now: dt.datetime, tz: dt.tzinfo) -> RoutePlan:
    """Take the late pickup (and its drop-offs) off the driver's route and offer it to the drivers as a rescue
    (``services/rescues.py``; the worker tells the nearest in waves). Returns the offer.
    Raises PermissionDenied, NotFound and Conflict (handed over, arrived, missed, its window has passed)."""
    if not permissions.can_dispatch(actor):
        raise PermissionDenied("Only the backbone's coordinators offer rescues.")
    row = get_no_show(session, no_show_id)
    stop = _open_pickup(session, row)
    for other in stop.route.stops:
        if other.claim_id == row.claim_id and other.status is StopStatus.PENDING:
            other.status, other.note = StopStatus.SKIPPED, "Handed over as a rescue: the driver could not come."
    session.flush()
    claim = stop.claim
    offer = rescues.offer_rescue(session, actor, [claim.id], f"Late pickup at {places.public_name(stop.organization)}",
                                 now.astimezone(tz).date(), now)
    notifications.notify_user(session, row.driver, NotificationKind.CANCELLED,
                              f"The pickup at {places.public_name(stop.organization)} was taken off your route",
                              "Another driver is being found for it. Thank you for telling us.",
                              Page("driver.index"), now)
    audit.record(session, actor, "no_show", row.id, "offered_as_rescue", now, None, rescue_id=offer.id)
    return offer
