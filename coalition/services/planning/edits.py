"""The coordinator's changes to a plan: move a request to another route (a re-solve), re-plan the rest of a
published day around what was already done, and publish (drivers, donors and recipients are told)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from coalition import permissions
from coalition.errors import Conflict, PermissionDenied, ValidationError
from coalition.models import ClaimStatus, NotificationKind, User
from coalition.models.route_plan import PlanStatus, Route, RoutePlan, StopKind
from coalition.services import audit, notifications, places
from coalition.services.notifications import Page
from coalition.services.planning import queries, run
from coalition.services.planning.queries import DEFAULT_TIME_LIMIT_S


def move_request(session: Session, actor: User, plan: RoutePlan, claim_id: int, route_id: int, now: dt.datetime,
                 time_limit_s: float | None = None) -> RoutePlan:
    """Lock a request to a route (of this plan) and start a re-solve warm-started from this plan.

    Earlier locks of the plan are kept. Returns the new SOLVING plan (based on
    ``plan``). Raises PermissionDenied, NotFound (route or request not in the
    plan), Conflict (the plan is not ready or published).
    """
    if not permissions.can_plan_routes(actor):
        raise PermissionDenied("Only the backbone's coordinators change plans.")
    if plan.status not in (PlanStatus.READY, PlanStatus.PUBLISHED):
        raise Conflict(f"This plan is {plan.status.value}; only a ready or published plan can be changed.")
    route = next((r for r in plan.routes if r.id == route_id), None)
    if route is None:
        raise ValidationError("Choose a route of this plan.", {"route_id": "Not a route of this plan."})
    in_plan = {s.claim_id for r in plan.routes for s in r.stops} | {d.claim_id for d in plan.drops}
    if claim_id not in in_plan:
        raise ValidationError("That request is not in this plan.", {"claim_id": "Not in this plan."})
    pins = {int(k): v for k, v in (plan.params or {}).get("pins", {}).items()} | {claim_id: route.shift_id}
    running = queries.latest_plan(session, plan.local_date, now)
    if running is not None and running.status is PlanStatus.SOLVING:
        raise Conflict("A plan for this day is being solved right now; wait for it to finish.")
    window = (plan.window_start, plan.window_end) if plan.window_start and plan.window_end else None
    new = RoutePlan(local_date=plan.local_date, zone=plan.zone, status=PlanStatus.SOLVING, created_by_id=actor.id,
                    created_at=now, window_start=window[0] if window else None,
                    window_end=window[1] if window else None, based_on_id=plan.id,
                    message="Re-solving with your change…",
                    params=dict(plan.params or {}, pins={str(k): v for k, v in pins.items()},
                                time_limit_s=time_limit_s or (plan.params or {}).get("time_limit_s", DEFAULT_TIME_LIMIT_S)))
    session.add(new)
    session.flush()
    audit.record(session, actor, "route_plan", new.id, "request_moved", now, None, claim_id=claim_id,
                 route_id=route_id, based_on=plan.id)
    return new


def start_replan(session: Session, actor: User, tz: dt.tzinfo, now: dt.datetime, local_date: dt.date,
                 time_limit_s: float = DEFAULT_TIME_LIMIT_S, deterministic: bool = False) -> RoutePlan:
    """Re-plan the rest of a published day: done stops stay, new claims come in, dropped-out drivers go."""
    base = queries.published_plan(session, local_date)
    if base is None:
        raise Conflict("This day has no published plan to re-plan; plan it first.")
    return run.start_plan(session, actor, local_date, tz, now, time_limit_s=time_limit_s,
                          deterministic=deterministic, based_on=base, replan=True)


def _local(moment: dt.datetime | None, tz: dt.tzinfo) -> str:
    return moment.astimezone(tz).strftime("%a %H:%M") if moment else "?"


def _route_signature(route: Route) -> list[tuple[int, str, str]]:
    return [(s.claim_id, s.kind.value, f"{s.service_start_at:%H:%M}") for s in route.stops]


# A stop moved by no more than this is not news to its driver (a re-solve shifts times by a minute or two).
RETIMED_AFTER = dt.timedelta(minutes=5)
# A change whose first changed stop is this close is pushed even in the driver's quiet hours.
URGENT_WITHIN = dt.timedelta(hours=2)

StopTimes = dict[tuple[int, str], dt.datetime]   # (claim id, "pickup"/"delivery") -> service start


def _stop_times(route: Route) -> StopTimes:
    return {(s.claim_id, s.kind.value): s.service_start_at for s in route.stops}


def route_changes(old: StopTimes, new: StopTimes, first_new: dt.datetime | None, tz: dt.tzinfo,
                  now: dt.datetime) -> tuple[str, bool] | None:
    """What changed for one driver between two published plans, in words ("2 stops added, 1 removed,
    first stop now 17:40"), and whether it is urgent (its first changed stop within two hours).
    None when nothing was added or removed and no stop moved by more than :data:`RETIMED_AFTER`."""
    added = [new[k] for k in new.keys() - old.keys()]
    removed = [old[k] for k in old.keys() - new.keys()]
    retimed = [(old[k], new[k]) for k in old.keys() & new.keys() if abs(new[k] - old[k]) > RETIMED_AFTER]
    if not (added or removed or retimed):
        return None
    parts = [f"{len(added)} stop{'s' if len(added) != 1 else ''} added" if added else "",
             f"{len(removed)} removed" if removed else "",
             f"{len(retimed)} re-timed" if retimed else ""]
    if first_new is not None:
        parts.append(f"first stop now {first_new.astimezone(tz):%H:%M}")
    else:
        parts.append("no stops left")
    # The first moment the driver must act differently: a new or moved stop, or a dropped one's old time.
    first_changed = min(added + removed + [min(pair) for pair in retimed])
    urgent = first_changed - now <= URGENT_WITHIN
    return ", ".join(p for p in parts if p), urgent


def _tell_driver(session: Session, route: Route, plan: RoutePlan, old: StopTimes | None, tz: dt.tzinfo,
                 now: dt.datetime, link: Page) -> bool:
    """Notify the route's driver of a new route, or of what changed in theirs; False when it is unchanged."""
    first = route.stops[0] if route.stops else None
    if old is None:
        notifications.notify_user(
            session, route.driver, NotificationKind.PICKUP_SCHEDULED,
            f"Your route on {plan.local_date:%a %d %b} was planned: {len(route.stops)} stops",
            f"First stop {places.public_name(first.organization)} at {_local(first.service_start_at, tz)}; "
            f"back by {_local(route.end_at, tz)}." if first else "", link, now)
        return True
    changes = route_changes(old, _stop_times(route), first.service_start_at if first else None, tz, now)
    if changes is None:
        return False
    what, urgent = changes
    where = f" First stop {places.public_name(first.organization)}; back by {_local(route.end_at, tz)}." if first else ""
    notifications.notify_user(session, route.driver, NotificationKind.ROUTE_CHANGED,
                              f"Your route on {plan.local_date:%a %d %b} changed: {what}", what.capitalize() + "." + where,
                              link, now, urgent=urgent)
    return True


def publish_plan(session: Session, actor: User, plan: RoutePlan, now: dt.datetime, tz: dt.tzinfo) -> dict:
    """Publish a ready plan: it supersedes the day's published plan; claims become scheduled; each driver,
    donor and recipient is told their time (when re-planning: only drivers whose route changed).

    Returns counts {"drivers", "organizations", "claims"}. Raises PermissionDenied, Conflict (not ready).
    """
    if not permissions.can_plan_routes(actor):
        raise PermissionDenied("Only the backbone's coordinators publish plans.")
    if plan.status is not PlanStatus.READY:
        raise Conflict(f"This plan is {plan.status.value}; only a ready plan can be published.")
    previous = queries.published_plan(session, plan.local_date, plan.zone)
    old_routes: dict[int, list] = {}
    old_times: dict[int, StopTimes] = {}
    if previous is not None:
        previous.status = PlanStatus.SUPERSEDED
        for route in previous.routes:
            old_routes.setdefault(route.driver_id, []).extend(_route_signature(route))
            old_times.setdefault(route.driver_id, {}).update(_stop_times(route))
    plan.status, plan.published_at = PlanStatus.PUBLISHED, now
    link = Page("driver.index")   # the driver app shows the route
    drivers = 0
    told_orgs: set[int] = set()
    new_drivers = set()
    for route in plan.routes:
        new_drivers.add(route.driver_id)
        # A driver new to a re-published day is told as on a first publication (old None).
        if _tell_driver(session, route, plan, old_times.get(route.driver_id), tz, now, link):
            drivers += 1
    for driver_id in set(old_routes) - new_drivers:
        user = session.get(User, driver_id)
        if user is not None:
            notifications.notify_user(session, user, NotificationKind.CANCELLED,
                                      f"Your route on {plan.local_date:%a %d %b} was taken off",
                                      "The day was re-planned without your route. Thank you!", link, now)
            drivers += 1
    org_times = {(s[0], s[1]): s[2] for stops in old_routes.values() for s in stops}
    scheduled = 0
    for route in plan.routes:
        for stop in route.stops:
            claim = stop.claim
            if claim.status is ClaimStatus.CLAIMED:
                claim.status = ClaimStatus.SCHEDULED
                scheduled += 1
            if org_times.get((claim.id, stop.kind.value)) == f"{stop.service_start_at:%H:%M}":
                continue
            what = "Pickup" if stop.kind is StopKind.PICKUP else "Delivery"
            notifications.notify_organization(
                session, stop.organization, NotificationKind.PICKUP_SCHEDULED,
                f"{what} at {_local(stop.service_start_at, tz)}: {claim.quantity_g / 1000:g} kg {claim.line.description}",
                f"{route.driver.display_name} plans to arrive about {_local(stop.arrival_at, tz)}"
                f" ({'to ' + places.public_name(claim.recipient) if stop.kind is StopKind.PICKUP else 'from ' + places.public_name(claim.line.donation.donor)}).",
                Page("claims.detail", {"claim_id": claim.id}) if stop.kind is StopKind.DELIVERY
                else Page("donations.detail", {"donation_id": claim.line.donation_id}), now)
            told_orgs.add(stop.organization_id)
    audit.record(session, actor, "route_plan", plan.id, "published", now, None, routes=len(plan.routes),
                 superseded=previous.id if previous else None)
    session.flush()
    return {"drivers": drivers, "organizations": len(told_orgs), "claims": scheduled}

