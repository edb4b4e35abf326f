"""Self-dispatch and cover: single rescues drivers take themselves, shifts handed to another driver,
the uncovered work the backbone watches, and each driver's shifts as a calendar feed (ICS).

A rescue is a small plan of its own: a RoutePlan in zone ``rescue`` whose
``params["rescue"]`` holds the offer (claim ids, note, who offered it). Offered,
it is a DRAFT with no route; taken, it gets the driver's one-off shift and one
route (pickup, then each drop-off) and is PUBLISHED, so the driver app, the
stop actions and the measurement treat it exactly like a planned route, and the
day's planner leaves its claims alone (they are on another zone's published plan)
and its shift too (:func:`is_rescue_shift`: the driver offered this rescue, not the day).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from coalition import permissions
from coalition.errors import Conflict, NotFound, PermissionDenied, ValidationError
from coalition.ids import parse_id
from coalition.models import (
    Claim,
    ClaimStatus,
    Donation,
    DonationLine,
    DriverShift,
    NotificationKind,
    OrganizationKind,
    PlanStatus,
    Role,
    Route,
    RoutePlan,
    ShiftStatus,
    Stop,
    StopKind,
    StopStatus,
    StorageClass,
    User,
)
from coalition.services import audit, notifications, places, readiness
from coalition.services.notifications import Page
from coalition.services.distance import haversine_km
from coalition.services.driving import acting_for
from coalition.services.planning import travel

RESCUE_ZONE = "rescue"
OPEN_CLAIMS = (ClaimStatus.CLAIMED, ClaimStatus.SCHEDULED)
SPEED_KMH = 30            # city driving, straight-line distance: a rough arrival estimate for the driver
SERVICE_MIN = 10          # minutes at each stop
COLD_MAX_RIDE = dt.timedelta(hours=2)   # danger-zone rule: a rescue driver's cold chain is not known


# --- rescues ---------------------------------------------------------------------

def get_rescue(session: Session, rescue_id: int) -> RoutePlan:
    plan = session.get(RoutePlan, rescue_id)
    if plan is None or plan.zone != RESCUE_ZONE:
        raise NotFound("There is no such rescue.")
    return plan


def rescue_claims(session: Session, plan: RoutePlan) -> list[Claim]:
    ids = (plan.params or {}).get("rescue", {}).get("claim_ids", [])
    found = {c.id: c for c in session.scalars(select(Claim).where(Claim.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def is_rescue_shift():
    """SQL condition on DriverShift: the one-off shift a driver got by taking a rescue. It carries that
    rescue's route (in zone ``rescue``) and is not availability for the day's planner."""
    return exists().where(Route.shift_id == DriverShift.id, Route.plan_id == RoutePlan.id,
                          RoutePlan.zone == RESCUE_ZONE)


def _claims_on_published_routes(session: Session) -> set[int]:
    # A skipped stop left its route (a late pickup handed over as a rescue): its claim is free to offer.
    return set(session.scalars(
        select(Stop.claim_id).join(Route, Stop.route_id == Route.id).join(RoutePlan, Route.plan_id == RoutePlan.id)
        .where(RoutePlan.status == PlanStatus.PUBLISHED, Stop.status != StopStatus.SKIPPED)))


def _claims_on_open_offers(session: Session) -> set[int]:
    offers = session.scalars(select(RoutePlan).where(RoutePlan.zone == RESCUE_ZONE, RoutePlan.status == PlanStatus.DRAFT))
    return {i for plan in offers for i in (plan.params or {}).get("rescue", {}).get("claim_ids", [])}


def list_unrouted_claims(session: Session, now: dt.datetime, within: dt.timedelta = dt.timedelta(hours=36)) -> list[Claim]:
    """Claims still to be collected (pickup window open or coming within ``within``) that no published route
    or open rescue carries: the food nobody is going to fetch yet."""
    taken = _claims_on_published_routes(session) | _claims_on_open_offers(session)
    query = (select(Claim).join(DonationLine, Claim.line_id == DonationLine.id).join(Donation, DonationLine.donation_id == Donation.id)
             .where(Claim.status.in_(OPEN_CLAIMS), Donation.pickup_end > now, Donation.pickup_start < now + within)
             .order_by(Donation.pickup_end, Claim.id))
    return [c for c in session.scalars(query) if c.id not in taken]


def offer_rescue(session: Session, actor: User, claim_ids: list[int], note: str, local_date: dt.date,
                 now: dt.datetime) -> RoutePlan:
    """Offer a single rescue to drivers: claims on one donation (one pickup), each to its recipient.

    Raises PermissionDenied (not backbone staff), ValidationError (no claims,
    several pickups) and Conflict (a claim is closed or already carried).
    """
    if not permissions.can_dispatch(actor):
        raise PermissionDenied("Only the backbone's coordinators offer rescues.")
    ids = sorted({i for i in claim_ids if isinstance(i, int)})
    if not ids:
        raise ValidationError("Choose the food to rescue.", {"claim_ids": "Choose at least one claim."})
    found = list(session.scalars(select(Claim).where(Claim.id.in_(ids))))
    if len(found) != len(ids):
        raise ValidationError("Some of these claims do not exist.", {"claim_ids": "Choose claims from the list."})
    if len({c.line.donation_id for c in found}) != 1:
        raise ValidationError("A rescue has one pickup.", {"claim_ids": "Choose claims on the same donation."})
    busy = _claims_on_published_routes(session) | _claims_on_open_offers(session)
    for claim in found:
        if claim.status not in OPEN_CLAIMS:
            raise Conflict(f"Claim {claim.id} is {claim.status.value}; it cannot be rescued.")
        if claim.id in busy:
            raise Conflict(f"Claim {claim.id} is already on a route or an open rescue.")
        if claim.line.donation.pickup_end <= now:
            raise Conflict(f"The pickup window of claim {claim.id} has passed.")
    note = (note or "").strip()[:300]
    plan = RoutePlan(local_date=local_date, zone=RESCUE_ZONE, status=PlanStatus.DRAFT, created_by_id=actor.id,
                     created_at=now, params={"rescue": {"claim_ids": ids, "note": note, "offered_by_id": actor.id}},
                     message=note)
    session.add(plan)
    session.flush()
    audit.record(session, actor, "rescue", plan.id, "offered", now, None, claim_ids=ids, note=note)
    # Drivers are told by the periodic worker, nearest fitting ones first, in waves (services/rescue_waves.py).
    return plan


def _drivers(session: Session) -> list[User]:
    from coalition.models import Membership

    return list(session.scalars(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.role == Role.DRIVER, Membership.active.is_(True), User.active.is_(True)).distinct()))


def list_open_rescues(session: Session, now: dt.datetime) -> list[RoutePlan]:
    """Rescues offered and not yet taken, oldest first (offers whose pickup has passed are left out)."""
    plans = session.scalars(select(RoutePlan).where(RoutePlan.zone == RESCUE_ZONE, RoutePlan.status == PlanStatus.DRAFT)
                            .order_by(RoutePlan.created_at, RoutePlan.id))
    return [p for p in plans if any(c.line.donation.pickup_end > now for c in rescue_claims(session, p))]


def list_taken_rescues(session: Session, driver: User) -> list[RoutePlan]:
    """The driver's rescues that are not finished yet."""
    query = (select(RoutePlan).join(Route, Route.plan_id == RoutePlan.id).join(DriverShift, Route.shift_id == DriverShift.id)
             .where(RoutePlan.zone == RESCUE_ZONE, RoutePlan.status == PlanStatus.PUBLISHED, Route.finished_at.is_(None),
                    acting_for(driver.id))
             .order_by(Route.start_at))
    return list(session.scalars(query))


def _straight_leg(here, there) -> tuple[float, float]:
    """Seconds and metres from ``here`` to ``there`` in a straight line at SPEED_KMH (0 when either has no place)."""
    if here.latitude is None or there.latitude is None:
        return 0.0, 0.0
    km = haversine_km(here.latitude, here.longitude, there.latitude, there.longitude)
    return km / SPEED_KMH * 3600, km * 1000


def _road_legs(places: list, osrm: travel.RoadServer | None) -> tuple[travel.Travel, list | None]:
    """The rescue's legs on the roads (None: straight lines, also when a place is not on the map)."""
    if osrm is None or any(p.latitude is None or p.longitude is None for p in places):
        return travel.Travel(), None
    return travel.road_legs([(p.latitude, p.longitude) for p in places], osrm)


def _driver_organization(actor: User):
    memberships = [m for m in actor.active_memberships() if m.role is Role.DRIVER]
    backbone = [m for m in memberships if m.organization.kind is OrganizationKind.BACKBONE]
    return (backbone or memberships)[0].organization


def take_rescue(session: Session, actor: User, rescue_id: int, tz: dt.tzinfo, now: dt.datetime,
                osrm: travel.RoadServer | None = None) -> Route:
    """"I'll do it": the driver gets a one-off shift and the rescue's route (pickup first, then drop-offs by window).

    Arrival times are road times from the ``osrm`` road server (:func:`travel.osrm_provider`) when it answers,
    else estimated from straight-line distance at SPEED_KMH; the plan records which (``travel``).
    Raises PermissionDenied (not a driver, or not ready: services/readiness.py) and Conflict (already taken,
    or its food has gone).
    """
    if not permissions.is_driver(actor):
        raise PermissionDenied("Only drivers take rescues.")
    plan = get_rescue(session, rescue_id)
    if plan.status is not PlanStatus.DRAFT:
        raise Conflict("Someone already took this rescue, or it was withdrawn.")
    found = rescue_claims(session, plan)
    busy = _claims_on_published_routes(session)
    if not found or any(c.status not in OPEN_CLAIMS or c.id in busy for c in found):
        raise Conflict("This rescue's food is no longer waiting: it was released, delivered or planned on a route.")
    donation = found[0].line.donation
    if donation.pickup_end <= now:
        raise Conflict("The pickup window has passed.")
    # Any route needs a current licence and insurance attestation; cold food also food-safety training.
    readiness.check_can_take(readiness.readiness_of(session, actor, now.astimezone(tz).date()),
                             needs_cold=any(c.line.storage in (StorageClass.REFRIGERATED, StorageClass.FROZEN) for c in found))
    donor = donation.donor
    pickup_at = max(now + dt.timedelta(minutes=15), donation.pickup_start)
    shift = DriverShift(driver=actor, organization=_driver_organization(actor), local_date=pickup_at.astimezone(tz).date(),
                        start_at=pickup_at - dt.timedelta(minutes=15), end_at=pickup_at, capacity_g=sum(c.quantity_g for c in found),
                        notes=f"Rescue {plan.id}", status=ShiftStatus.AVAILABLE)
    route = Route(plan=plan, shift=shift, driver_id=actor.id, start_at=shift.start_at)
    session.add_all([shift, route])
    leave = pickup_at + dt.timedelta(minutes=SERVICE_MIN)
    total = sum(c.quantity_g for c in found)
    for position, claim in enumerate(found):
        storage = claim.line.storage
        safe = claim.line.use_by
        if storage in (StorageClass.REFRIGERATED, StorageClass.FROZEN):
            safe = min(safe, pickup_at + COLD_MAX_RIDE)
        route.stops.append(Stop(position=position, kind=StopKind.PICKUP, claim=claim, organization=donor,
                                latitude=donor.latitude or 0.0, longitude=donor.longitude or 0.0, arrival_at=pickup_at,
                                service_start_at=pickup_at, departure_at=leave, load_after_g=total, safe_until=safe))
    here, at, load, distance_m = donor, leave, total, 0
    order = sorted(found, key=lambda c: (c.delivery_start, c.id))
    choice, legs = _road_legs([donor] + [c.recipient for c in order], osrm)
    plan.travel = choice.kind
    for position, claim in enumerate(order, start=len(found)):
        there = claim.recipient
        seconds, metres = legs[position - len(found)] if legs else _straight_leg(here, there)
        arrive = at + dt.timedelta(seconds=seconds)
        start = max(arrive, claim.delivery_start)
        at = start + dt.timedelta(minutes=SERVICE_MIN)
        load -= claim.quantity_g
        distance_m += round(metres)
        route.stops.append(Stop(position=position, kind=StopKind.DELIVERY, claim=claim, organization=there,
                                latitude=there.latitude or 0.0, longitude=there.longitude or 0.0, arrival_at=arrive,
                                service_start_at=start, departure_at=at, load_after_g=load))
        here = there
    shift.end_at = route.end_at = at
    route.distance_m = distance_m
    route.duration_s = round((at - shift.start_at).total_seconds())
    plan.status, plan.published_at = PlanStatus.PUBLISHED, now
    for claim in found:
        if claim.status is ClaimStatus.CLAIMED:
            claim.status = ClaimStatus.SCHEDULED
    session.flush()
    audit.record(session, actor, "rescue", plan.id, "taken", now, None, route_id=route.id)
    when = pickup_at.astimezone(tz).strftime("%a %H:%M")
    notifications.notify_organization(session, donor, NotificationKind.PICKUP_SCHEDULED,
                                      f"A volunteer driver collects at {when}", f"{actor.display_name} took the rescue.",
                                      Page("donations.detail", {"donation_id": donation.id}), now)
    for recipient in {c.recipient_id: c.recipient for c in found}.values():
        notifications.notify_organization(session, recipient, NotificationKind.PICKUP_SCHEDULED,
                                          f"Rescued food from {donor.name} is on its way",
                                          f"{actor.display_name} collects it at {when}.", Page("claims.index"), now)
    session.flush()
    return route


def release_rescue(session: Session, actor: User, rescue_id: int, now: dt.datetime) -> RoutePlan:
    """The driver who took a rescue gives it back before starting it; it is offered again."""
    plan = get_rescue(session, rescue_id)
    route = plan.routes[0] if plan.routes else None
    if route is None or plan.status is not PlanStatus.PUBLISHED or route.shift.acting_driver_id != actor.id:
        raise PermissionDenied("Only the driver who took this rescue can release it.")
    if any(stop.status is not StopStatus.PENDING for stop in route.stops):
        raise Conflict("This rescue has started; report a problem at the stop instead.")
    shift = route.shift
    plan.routes.remove(route)
    session.flush()
    session.delete(shift)
    plan.status, plan.published_at = PlanStatus.DRAFT, None
    audit.record(session, actor, "rescue", plan.id, "released", now, None)
    session.flush()
    return plan


def withdraw_rescue(session: Session, actor: User, rescue_id: int, now: dt.datetime) -> RoutePlan:
    """The backbone takes back an offer nobody has taken."""
    if not permissions.can_dispatch(actor):
        raise PermissionDenied("Only the backbone's coordinators withdraw rescues.")
    plan = get_rescue(session, rescue_id)
    if plan.status is not PlanStatus.DRAFT:
        raise Conflict("A driver has taken this rescue; it can no longer be withdrawn.")
    plan.status, plan.message = PlanStatus.SUPERSEDED, "Withdrawn"
    audit.record(session, actor, "rescue", plan.id, "withdrawn", now, None)
    session.flush()
    return plan


# --- cover -----------------------------------------------------------------------------

def get_shift(session: Session, shift_id: int) -> DriverShift:
    shift = session.get(DriverShift, shift_id)
    if shift is None:
        raise NotFound("There is no such shift.")
    return shift


def request_cover(session: Session, actor: User, shift_id: int, reason: str, now: dt.datetime) -> DriverShift:
    """A driver who cannot make a shift asks for cover; the backbone and the other drivers are told."""
    shift = get_shift(session, shift_id)
    if not permissions.can_request_cover(actor, shift):
        raise PermissionDenied("Only the shift's own driver asks for cover.")
    if shift.status is not ShiftStatus.AVAILABLE or shift.end_at <= now:
        raise Conflict(f"This shift is {'over' if shift.end_at <= now else shift.status.value.replace('_', ' ')}.")
    shift.status = ShiftStatus.COVER_REQUESTED
    reason = (reason or "").strip()[:300]
    audit.record(session, actor, "shift", shift.id, "cover_requested", now, shift.organization_id, reason=reason)
    title = f"Cover needed: {actor.display_name}'s shift on {shift.local_date:%a %d %b}"
    for driver in _drivers(session):
        if driver.id != actor.id:
            notifications.notify_user(session, driver, NotificationKind.CANCELLED, title, reason, Page("driver.shifts"), now)
    _notify_backbone(session, title, reason, now)
    session.flush()
    return shift


def withdraw_cover_request(session: Session, actor: User, shift_id: int, now: dt.datetime) -> DriverShift:
    """The driver can make it after all (while nobody has covered it)."""
    shift = get_shift(session, shift_id)
    if not permissions.can_request_cover(actor, shift):
        raise PermissionDenied("Only the shift's own driver can do that.")
    if shift.status is not ShiftStatus.COVER_REQUESTED:
        raise Conflict("This shift is not waiting for cover.")
    shift.status = ShiftStatus.AVAILABLE
    audit.record(session, actor, "shift", shift.id, "cover_withdrawn", now, shift.organization_id)
    session.flush()
    return shift


def cover_shift(session: Session, actor: User, shift_id: int, now: dt.datetime) -> DriverShift:
    """Another driver covers a shift whose driver asked for cover; its routes become theirs."""
    shift = get_shift(session, shift_id)
    if not permissions.can_cover_shift(actor, shift):
        raise PermissionDenied("Drivers cover other drivers' shifts.")
    if shift.status is not ShiftStatus.COVER_REQUESTED or shift.covered_by_id is not None:
        raise Conflict("This shift does not need cover (any more).")
    if shift.end_at <= now:
        raise Conflict("This shift is over.")
    shift.covered_by_id, shift.status = actor.id, ShiftStatus.AVAILABLE
    for route in session.scalars(select(Route).where(Route.shift_id == shift.id, Route.finished_at.is_(None))):
        route.driver_id = actor.id
    audit.record(session, actor, "shift", shift.id, "covered", now, shift.organization_id, covered_by=actor.id)
    notifications.notify_user(session, shift.driver, NotificationKind.PICKUP_SCHEDULED,
                              f"{actor.display_name} covers your shift on {shift.local_date:%a %d %b}", "Thank you for asking in time.",
                              Page("driver.shifts"), now)
    session.flush()
    return shift


def _notify_backbone(session: Session, title: str, body: str, now: dt.datetime) -> None:
    from coalition.models import Organization

    for organization in session.scalars(select(Organization).where(Organization.kind == OrganizationKind.BACKBONE)):
        notifications.notify_organization(session, organization, NotificationKind.CANCELLED, title, body,
                                          Page("driver.board"), now)


def list_driver_shifts(session: Session, driver: User, now: dt.datetime) -> list[DriverShift]:
    """The driver's shifts from today on: their own (also when covered by someone) and those they cover."""
    query = (select(DriverShift)
             .where((DriverShift.driver_id == driver.id) | (DriverShift.covered_by_id == driver.id),
                    DriverShift.end_at > now - dt.timedelta(hours=12))
             .order_by(DriverShift.start_at, DriverShift.id))
    return list(session.scalars(query))


def list_cover_requests(session: Session, now: dt.datetime) -> list[DriverShift]:
    """Shifts whose driver asked for cover and nobody has covered yet: uncovered work."""
    return list(session.scalars(select(DriverShift).where(DriverShift.status == ShiftStatus.COVER_REQUESTED,
                                                          DriverShift.end_at > now).order_by(DriverShift.start_at)))


# --- the calendar feed ----------------------------------------------------------------

def calendar_token(user: User) -> str:
    """The secret part of a driver's feed URL: the user id and an HMAC keyed by their password hash.

    Calendar apps cannot sign in, so this is the feed's only credential; it
    cannot be made without the database, and changes when the password changes.
    Raises NotFound for someone who has no password yet.
    """
    if not user.password_hash:
        raise NotFound("Set a password first.")
    digest = hmac.new(user.password_hash.encode(), f"calendar-feed:{user.id}".encode(), hashlib.sha256).hexdigest()
    return f"{user.id}-{digest[:40]}"


def user_for_calendar_token(session: Session, token: str) -> User:
    """The driver whose feed this is. Raises NotFound for a forged or outdated token."""
    user_id, _, _ = (token or "").partition("-")
    user = session.get(User, parse_id(user_id)) if parse_id(user_id) else None
    if user is None or not user.active or not user.password_hash or not hmac.compare_digest(calendar_token(user), token):
        raise NotFound("There is no such calendar.")
    return user


def _escape(text: str) -> str:
    """RFC 5545 TEXT escaping: backslash, semicolon, comma and newlines."""
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _fold(line: str) -> str:
    """RFC 5545 line folding: at most 75 octets a line, continuation lines start with a space."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts, current, limit = [], b"", 75
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > limit:
            parts.append(current.decode("utf-8"))
            current, limit = b"", 74       # the leading space counts
        current += encoded
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def shifts_calendar(session: Session, driver: User, now: dt.datetime, coalition_name: str, host: str) -> str:
    """The driver's shifts (from 30 days back) as an iCalendar document, CRLF line ends, folded lines."""
    shifts = session.scalars(select(DriverShift).where(
        (DriverShift.driver_id == driver.id) | (DriverShift.covered_by_id == driver.id),
        DriverShift.end_at > now - dt.timedelta(days=30)).order_by(DriverShift.start_at, DriverShift.id))
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:-//{_escape(coalition_name)}//Driver shifts//EN",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{_escape(coalition_name + ' driving')}"]
    for shift in shifts:
        handed_over = shift.covered_by_id is not None and shift.covered_by_id != driver.id
        covering = shift.covered_by_id == driver.id
        cancelled = shift.status is ShiftStatus.CANCELLED or handed_over
        summary = "Driving shift"
        if covering:
            summary += f" (covering for {shift.driver.display_name})"
        elif shift.status is ShiftStatus.COVER_REQUESTED:
            summary += " (cover requested)"
        elif handed_over:
            summary += f" (covered by {shift.covered_by.display_name})"
        routes = session.scalars(select(Route).join(RoutePlan, Route.plan_id == RoutePlan.id).where(
            Route.shift_id == shift.id, RoutePlan.status == PlanStatus.PUBLISHED)).all()
        # The feed is copied into outside calendar services: a confidential site appears only by its public name.
        description = [f"{len(r.stops)} stops, first at {places.public_place(session, r.stops[0].organization).name}"
                       for r in routes if r.stops]
        if shift.notes:
            description.append(shift.notes)
        description.append(f"Your route: {host}/driver/")
        place = places.public_place(session, shift.start_organization).name if shift.start_organization else ""
        lines += ["BEGIN:VEVENT", f"UID:shift-{shift.id}@{host.split('://')[-1]}", f"DTSTAMP:{_stamp(now)}",
                  f"DTSTART:{_stamp(shift.start_at)}", f"DTEND:{_stamp(shift.end_at)}",
                  f"SUMMARY:{_escape(summary)}", f"DESCRIPTION:{_escape(chr(10).join(description))}",
                  f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}"]
        if place:
            lines.append(f"LOCATION:{_escape(place)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)
