"""A driver's action on a stop, recorded exactly once.

Every action carries the phone's own id (``client_action_id``): the first
time it is seen it is recorded as a :class:`StopAction`; a replay (double tap,
a retry after a lost connection, the offline queue sending again) returns the
first result and changes nothing. An action queued offline on a plan that was
re-planned meanwhile lands on the same visit of the published plan. When the
route's last stop is finished, the route's volunteer time and distance go onto
its delivery records. What each action does is :mod:`coalition.services.driving`'s.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coalition import permissions
from coalition.errors import Conflict, NotFound, PermissionDenied, ValidationError
from coalition.models import DeliveryRecord, DriverShift, PlanStatus, Route, RoutePlan, Stop, StopAction, StopStatus, User
from coalition.services import audit

ACTION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
FINISHED = (StopStatus.DONE, StopStatus.PROBLEM, StopStatus.SKIPPED)


@dataclasses.dataclass
class ActionResult:
    stop: Stop
    action: str
    replayed: bool
    result: dict          # the stop as the first time this action was recorded


def acting_for(user_id: int):
    """SQL condition: the shift is driven by ``user_id`` (its cover, or its own driver when uncovered)."""
    return or_(DriverShift.covered_by_id == user_id,
               (DriverShift.covered_by_id.is_(None)) & (DriverShift.driver_id == user_id))


def get_stop(session: Session, stop_id) -> Stop:
    stop = session.get(Stop, stop_id) if isinstance(stop_id, int) and not isinstance(stop_id, bool) else None
    if stop is None:
        raise NotFound("There is no such stop.")
    return stop


def stop_state(stop: Stop) -> dict:
    """What the phone shows about a stop after an action (JSON-safe)."""
    return {
        "stop_id": stop.id, "status": stop.status.value,
        "actual_kg": stop.actual_g / 1000 if stop.actual_g is not None else None,
        "temperature_c": stop.temperature_c, "receiver_name": stop.receiver_name,
        "problem_kind": stop.problem_kind.value if stop.problem_kind else None, "note": stop.note,
        "arrived_at": stop.arrived_at.isoformat() if stop.arrived_at else None,
        "completed_at": stop.completed_at.isoformat() if stop.completed_at else None,
        "route_finished": stop.route.finished_at is not None,
    }


def record(session: Session, actor: User, stop_id, client_action_id, performed_at, payload, now, action: str,
           apply: Callable[..., None]) -> ActionResult:
    """Record ``action`` on a stop once: ``apply(session, actor, stop, payload, performed_at, now)`` does its
    work the first time ``client_action_id`` is seen; a replay returns the first result and changes nothing.

    Raises ValidationError (no valid id, a bad time), NotFound, PermissionDenied (another driver's stop or
    action id), Conflict (the id used for another action; a stop re-planned away), and what ``apply`` raises.
    """
    if not isinstance(client_action_id, str) or not ACTION_ID.match(client_action_id):
        raise ValidationError("The action has no valid id.", {"client_action_id": "8 to 64 letters, digits, - or _."})
    first = session.scalar(select(StopAction).where(StopAction.client_action_id == client_action_id))
    if first is not None:
        return _replay(session, actor, first, stop_id, action)
    stop = _current_stop(session, actor, get_stop(session, stop_id))
    if not permissions.can_drive_stop(actor, stop):
        raise PermissionDenied("This stop is on someone else's route.")
    payload = payload if isinstance(payload, dict) else {}
    performed_at = _when(performed_at, now)

    # The action id is claimed first, in the same savepoint as the work: of two concurrent sends of one
    # action the second waits on the unique index and then replays the first; a refused action
    # (a DomainError) leaves nothing behind, not even its id.
    record = StopAction(client_action_id=client_action_id, stop_id=stop.id, user_id=actor.id, action=action,
                        payload={"input": _loggable(payload)}, performed_at=performed_at, received_at=now)
    try:
        with session.begin_nested():
            session.add(record)
            session.flush()
            route = stop.route
            if route.started_at is None:
                route.started_at = performed_at
            apply(session, actor, stop, payload, performed_at, now)
            _finish_route_if_done(session, route, performed_at)
            session.flush()
    except IntegrityError:
        first = session.scalar(select(StopAction).where(StopAction.client_action_id == client_action_id))
        if first is None:
            raise
        return _replay(session, actor, first, stop_id, action)
    result = stop_state(stop)
    record.payload = {"input": _loggable(payload), "result": result}
    audit.record(session, actor, "stop", stop.id, action, now, stop.organization_id,
                 client_action_id=client_action_id, performed_at=performed_at.isoformat(),
                 **{k: v for k, v in result.items() if k in ("status", "actual_kg", "problem_kind")})
    session.flush()
    return ActionResult(stop, action, False, result)


def _current_stop(session: Session, actor: User, stop: Stop) -> Stop:
    """The stop as it stands now: an action queued offline on a plan that was re-planned meanwhile lands on
    the same visit (claim and kind) of the published plan, when this driver still drives it."""
    if stop.route.plan.status is not PlanStatus.SUPERSEDED:
        return stop
    newer = session.scalars(
        select(Stop).join(Route, Stop.route_id == Route.id).join(RoutePlan, Route.plan_id == RoutePlan.id)
        .join(DriverShift, Route.shift_id == DriverShift.id)
        .where(RoutePlan.status == PlanStatus.PUBLISHED, Stop.claim_id == stop.claim_id, Stop.kind == stop.kind,
               acting_for(actor.id))).first()
    if newer is None:
        raise Conflict("The coordinators re-planned this route and this stop is no longer yours. "
                       "Reload the page to see your current route.")
    return newer


def _replay(session, actor, first: StopAction, stop_id, action) -> ActionResult:
    if first.user_id != actor.id:
        raise PermissionDenied("This action belongs to someone else.")
    reused = Conflict("This action id was already used for another action.", {"client_action_id": "Already used."})
    if first.action != action:
        raise reused
    if first.stop_id != stop_id:   # the same visit, when the first send landed on a re-planned copy of the stop
        asked = session.get(Stop, stop_id) if isinstance(stop_id, int) and not isinstance(stop_id, bool) else None
        done = session.get(Stop, first.stop_id)
        if asked is None or done is None or (asked.claim_id, asked.kind) != (done.claim_id, done.kind):
            raise reused
    stop = get_stop(session, first.stop_id)
    return ActionResult(stop, action, True, (first.payload or {}).get("result") or stop_state(stop))


def _when(performed_at, now: dt.datetime) -> dt.datetime:
    """When it happened on the phone: aware, not in the future (a fast phone clock counts as now)."""
    if performed_at is None:
        return now
    if not isinstance(performed_at, dt.datetime) or performed_at.tzinfo is None:
        raise ValidationError("Give the time with its time zone.", {"performed_at": "An ISO time with its offset."})
    if performed_at < now - dt.timedelta(days=7):
        raise ValidationError("This action is more than a week old.", {"performed_at": "Too old."})
    return min(performed_at, now)


def _loggable(payload: dict) -> dict:
    return {k: v for k, v in payload.items() if k != "photo" and isinstance(v, (str, int, float, bool, type(None)))}


def _finish_route_if_done(session: Session, route: Route, performed_at: dt.datetime) -> None:
    """When the last stop is done, the route's volunteer time and distance go onto its delivery records."""
    if route.finished_at is not None or any(s.status not in FINISHED for s in route.stops):
        return
    route.finished_at = performed_at
    session.flush()
    # Volunteer time and distance go onto the food that arrived, not food lost to the cold chain.
    records = list(session.scalars(select(DeliveryRecord).where(DeliveryRecord.route_id == route.id,
                                                                DeliveryRecord.outcome == "delivered")
                                   .order_by(DeliveryRecord.id)))
    if not records:
        return
    start = route.started_at or performed_at
    first = route.stops[0] if route.stops else None
    if route.start_at is not None and first is not None and first.arrival_at > route.start_at:
        start -= first.arrival_at - route.start_at      # the drive to the first stop is volunteer time too
    minutes = max(0, round((performed_at - start).total_seconds() / 60))
    _spread(records, "volunteer_minutes", minutes)
    _spread(records, "distance_m", route.distance_m or 0)


def _spread(records: list[DeliveryRecord], column: str, total: int) -> None:
    """Share ``total`` over the records by their kg; the shares add up to ``total`` exactly."""
    weight = sum(r.quantity_g for r in records)
    given = 0
    for index, record in enumerate(records):
        share = total - given if index == len(records) - 1 else total * record.quantity_g // weight
        setattr(record, column, share)
        given += share
