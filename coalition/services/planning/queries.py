"""Reading a planning day: the claims and shifts it holds, its plans, and how far a plan's solve has come."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from coalition.errors import NotFound
from coalition.models import (Claim, ClaimStatus, Donation, DonationLine, Membership, Organization, OrganizationKind,
                              Role, User)
from coalition.models.route_plan import PlanDrop, PlanStatus, Route, RoutePlan, Stop, StopStatus
from coalition.models.shift import DriverShift, ShiftStatus
from coalition.services import readiness, rescues

PLANNABLE = (ClaimStatus.CLAIMED, ClaimStatus.SCHEDULED)
ON_ROAD = (ClaimStatus.CLAIMED, ClaimStatus.SCHEDULED, ClaimStatus.PICKED_UP, ClaimStatus.DELIVERED)
DEFAULT_TIME_LIMIT_S = 10.0
STALE_MARGIN_S = 120            # a SOLVING plan older than its time limit plus this was killed


@dataclass
class DayPreview:
    local_date: dt.date
    claims: list[Claim]
    shifts: list[DriverShift]
    requested_g: int
    capacity_g: int
    latest: RoutePlan | None = None
    published: RoutePlan | None = None
    # Readiness (services/readiness.py): shifts left out with the reason, and shifts limited to ambient food.
    left_out: list[tuple[DriverShift, str]] = field(default_factory=list)
    ambient_only: set[int] = field(default_factory=set)


def day_bounds(local_date: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """The local day as UTC [start, end)."""
    start = dt.datetime.combine(local_date, dt.time(0), tz).astimezone(dt.timezone.utc)
    end = dt.datetime.combine(local_date + dt.timedelta(days=1), dt.time(0), tz).astimezone(dt.timezone.utc)
    return start, end


def _claims_on_other_published_plans(session: Session, local_date: dt.date, zone: str) -> set[int]:
    """Claims already on a published plan of another day or zone: they are that plan's to drive."""
    rows = session.execute(
        select(Stop.claim_id).join(Route).join(RoutePlan).where(
            RoutePlan.status == PlanStatus.PUBLISHED,
            (RoutePlan.local_date != local_date) | (RoutePlan.zone != zone)))
    return {claim_id for (claim_id,) in rows}


def list_plannable_claims(session: Session, local_date: dt.date, tz: dt.tzinfo, zone: str = "",
                          window: tuple[dt.datetime, dt.datetime] | None = None) -> list[Claim]:
    """Claims (claimed or scheduled) whose pickup window falls on that day (and in ``window``),
    not already on another day's or zone's published plan; oldest pickup first."""
    start, end = window or day_bounds(local_date, tz)
    taken = _claims_on_other_published_plans(session, local_date, zone)
    claims = session.scalars(
        select(Claim).join(DonationLine).join(Donation)
        .where(Claim.status.in_(PLANNABLE), Donation.pickup_start < end, Donation.pickup_end > start)
        .options(selectinload(Claim.line).selectinload(DonationLine.donation).selectinload(Donation.donor),
                 selectinload(Claim.recipient))
        .order_by(Donation.pickup_start, Claim.id))
    return [c for c in claims if c.id not in taken]


def list_available_shifts(session: Session, local_date: dt.date, screened: bool = True) -> list[DriverShift]:
    """Shifts that day whose driver (or cover) will drive, not those made for taken rescues (they carry their
    rescue's route only); ``screened``: only drivers ready to (licence and insurance current, services/readiness.py)."""
    shifts = session.scalars(select(DriverShift).where(DriverShift.local_date == local_date,
                                                       DriverShift.status != ShiftStatus.CANCELLED,
                                                       ~rescues.is_rescue_shift())
                             .options(selectinload(DriverShift.driver)).order_by(DriverShift.start_at, DriverShift.id))
    shifts = [s for s in shifts if s.status is ShiftStatus.AVAILABLE or s.covered_by_id]
    return readiness.screen_shifts(session, shifts, local_date).usable if screened else shifts


def preview_day(session: Session, local_date: dt.date, tz: dt.tzinfo, now: dt.datetime,
                window: tuple[dt.datetime, dt.datetime] | None = None) -> DayPreview:
    """What planning that day would take in, and the day's latest and published plans."""
    claims = list_plannable_claims(session, local_date, tz, window=window)
    screened = readiness.screen_shifts(session, list_available_shifts(session, local_date, screened=False), local_date)
    shifts = screened.usable
    latest = latest_plan(session, local_date, now)
    return DayPreview(local_date, claims, shifts, sum(c.quantity_g for c in claims),
                      sum(s.capacity_g for s in shifts), latest, published_plan(session, local_date),
                      screened.left_out, screened.ambient_only)


def get_plan(session: Session, plan_id: int) -> RoutePlan:
    plan = session.get(RoutePlan, plan_id)
    if plan is None:
        raise NotFound("There is no such plan.")
    return plan


def get_plan_for_review(session: Session, plan_id: int) -> RoutePlan:
    """A plan with its routes, stops, claims and drops loaded in a few queries (the review page shows them all)."""
    claim_path = (selectinload(Claim.line).selectinload(DonationLine.donation).selectinload(Donation.donor),
                  selectinload(Claim.recipient))
    plan = session.scalar(select(RoutePlan).where(RoutePlan.id == plan_id).options(
        selectinload(RoutePlan.routes).selectinload(Route.stops).selectinload(Stop.claim).options(*claim_path),
        selectinload(RoutePlan.routes).selectinload(Route.stops).selectinload(Stop.organization),
        selectinload(RoutePlan.routes).selectinload(Route.driver),
        selectinload(RoutePlan.routes).selectinload(Route.shift),
        selectinload(RoutePlan.drops).selectinload(PlanDrop.claim).options(*claim_path)))
    if plan is None:
        raise NotFound("There is no such plan.")
    return plan


def published_plan(session: Session, local_date: dt.date, zone: str = "") -> RoutePlan | None:
    return session.scalar(select(RoutePlan).where(RoutePlan.local_date == local_date, RoutePlan.zone == zone,
                                                  RoutePlan.status == PlanStatus.PUBLISHED)
                          .order_by(RoutePlan.id.desc()).limit(1))


def latest_plan(session: Session, local_date: dt.date, now: dt.datetime, zone: str = "") -> RoutePlan | None:
    """The day's newest plan (a stale SOLVING one is marked failed first)."""
    plan = session.scalar(select(RoutePlan).where(RoutePlan.local_date == local_date, RoutePlan.zone == zone)
                          .order_by(RoutePlan.id.desc()).limit(1))
    if plan is not None:
        mark_if_stale(plan, now)
    return plan


def mark_if_stale(plan: RoutePlan, now: dt.datetime) -> bool:
    """A plan SOLVING for longer than its time limit plus a margin was killed: say so (the previous plan stands)."""
    if plan.status is not PlanStatus.SOLVING:
        return False
    limit = float(plan.params.get("time_limit_s", DEFAULT_TIME_LIMIT_S))
    if (now - plan.created_at).total_seconds() <= limit * 2 + STALE_MARGIN_S:
        return False
    plan.status = PlanStatus.FAILED
    plan.message = ("The planning job stopped without finishing (the worker was stopped or crashed). "
                    "The previous plan is unchanged; plan again.")
    return True


def plan_status(plan: RoutePlan, now: dt.datetime) -> dict:
    """What the progress endpoint answers."""
    mark_if_stale(plan, now)
    elapsed = (now - plan.created_at).total_seconds()
    limit = float((plan.params or {}).get("time_limit_s", DEFAULT_TIME_LIMIT_S))
    progress = plan.progress_pct
    if plan.status is PlanStatus.SOLVING:
        progress = max(progress, min(95, int(100 * elapsed / max(limit, 1))))
    return {"id": plan.id, "status": plan.status.value, "progress_pct": progress, "message": plan.message,
            "done": plan.status is not PlanStatus.SOLVING, "elapsed_s": round(elapsed, 1)}


def claims_on_road(plan: RoutePlan) -> dict[int, Claim]:
    """The plan's claims still on the road (claimed, scheduled, picked up or delivered): claim id -> claim."""
    return {stop.claim_id: stop.claim for route in plan.routes for stop in route.stops
            if stop.claim.status in ON_ROAD}


def done_visits(plan: RoutePlan) -> dict[tuple[int, str], Stop]:
    """Stops already done (or arrived at): their food is on board or delivered; re-planning keeps them."""
    return {(stop.claim_id, stop.kind.value): stop for route in plan.routes for stop in route.stops
            if stop.status in (StopStatus.DONE, StopStatus.ARRIVED)}


def default_planner(session: Session, email: str | None = None) -> User:
    """The person the command line plans as: ``email``, or the backbone's first active admin or coordinator."""
    if email:
        user = session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise NotFound(f"No user {email}.")
        return user
    user = session.scalar(select(User).join(Membership).join(Organization).where(
        Organization.kind == OrganizationKind.BACKBONE, Membership.active.is_(True), User.active.is_(True),
        Membership.role.in_((Role.ADMIN, Role.COORDINATOR))).order_by(Membership.role, User.id).limit(1))
    if user is None:
        raise NotFound("The backbone has no active admin or coordinator to plan as.")
    return user
