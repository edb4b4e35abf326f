"""Re-time the rest of a route when stops leave it mid-day (a cold line refused at the door).

A full re-plan of the day (:func:`.edits.start_replan`) is a coordinator's decision and a solver run; one
refused line only takes stops out, so the driver's order stays and only the planned times move. Each leg keeps
the plan's own travel time (arrival minus the previous stop's departure, so road times stay road times);
a leg between two stops that were not neighbours gets the planner's straight-line estimate. A stop never
starts before its window opens and keeps its planned service time.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from coalition.models import NotificationKind
from coalition.models.route_plan import Route, Stop, StopKind, StopStatus
from coalition.services import notifications
from coalition.services.notifications import Page
from coalition.services.planning import travel

FINISHED = (StopStatus.DONE, StopStatus.PROBLEM, StopStatus.SKIPPED)
# A recipient is told of a new arrival time when it moves at least this much (a minute or two is noise).
NOTICE = dt.timedelta(minutes=5)


@dataclasses.dataclass(frozen=True)
class Moved:
    """A stop whose planned times changed, with the arrival and service start it had before."""

    stop: Stop
    was_arrival: dt.datetime
    was_start: dt.datetime


def zone_named(name) -> dt.tzinfo:
    """The time zone called ``name``; UTC when there is none or it is unknown (the times still read right)."""
    try:
        return ZoneInfo(str(name or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        return dt.timezone.utc


def _window_start(stop: Stop) -> dt.datetime:
    if stop.kind is StopKind.PICKUP:
        return stop.claim.line.donation.pickup_start
    return stop.claim.delivery_start


def retime_after(route: Route, anchor: Stop, left_at: dt.datetime) -> list[Moved]:
    """Recompute the planned times of ``route``'s open stops after ``anchor``, which the driver left at ``left_at``.

    Stops already finished (done, problem, skipped) are the ones that left the route or were driven; they keep
    their times. Returns the stops whose times moved, in route order; the route's end moves with its last stop.
    """
    stops = sorted(route.stops, key=lambda s: s.position)
    planned = {s.id: (s.arrival_at, s.service_start_at, s.departure_at) for s in stops}
    previous = {b.id: a.id for a, b in zip(stops, stops[1:])}
    here, at = anchor, left_at
    moved: list[Moved] = []
    last: Stop | None = None
    for stop in stops:
        if stop.position <= anchor.position or stop.status in FINISHED:
            continue
        arrival, start, departure = planned[stop.id]
        if previous.get(stop.id) == here.id:
            leg_s = (arrival - planned[here.id][2]).total_seconds()
        else:
            leg_s = travel.estimated_leg_s((here.latitude, here.longitude), (stop.latitude, stop.longitude))
        new_arrival = at + dt.timedelta(seconds=max(0.0, leg_s))
        new_start = max(new_arrival, _window_start(stop))
        new_departure = new_start + (departure - start)
        if (new_arrival, new_start) != (arrival, start):
            moved.append(Moved(stop, arrival, start))
        stop.arrival_at, stop.service_start_at, stop.departure_at = new_arrival, new_start, new_departure
        here, at, last = stop, new_departure, stop
    if last is not None and route.end_at is not None:
        # The drive home is not a stop; it keeps its planned length from the stop that was last before.
        route.end_at = at + (route.end_at - planned[stops[-1].id][2])
    return moved


def retime_and_tell(session: Session, route: Route, anchor: Stop, left_at: dt.datetime, tz: dt.tzinfo) -> list[Moved]:
    """:func:`retime_after`, then each recipient whose food is now handed over at another time (the service
    start, inside its window; by NOTICE or more) is told the new time, in ``tz``."""
    moved = retime_after(route, anchor, left_at)
    for change in moved:
        stop = change.stop
        if stop.kind is not StopKind.DELIVERY or abs(stop.service_start_at - change.was_start) < NOTICE:
            continue
        when, was = (t.astimezone(tz).strftime("%H:%M") for t in (stop.service_start_at, change.was_start))
        notifications.notify_organization(
            session, stop.claim.recipient, NotificationKind.PICKUP_SCHEDULED,
            f"New arrival time {when}: {stop.claim.line.description}",
            f"The driver now expects to arrive around {when} (planned {was}): a stop before yours was cancelled.",
            Page("claims.detail", {"claim_id": stop.claim_id}), left_at)
    return moved
