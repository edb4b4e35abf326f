"""Route planning: the ONLY module that turns database rows into a ``routing.Problem`` and a
``routing.Solution`` back into rows (RoutePlan, Route, Stop, PlanDrop).

The flow: :func:`preview_day` shows what a day holds; :func:`start_plan`
creates a plan in status SOLVING (the caller enqueues :func:`coalition.jobs.plan_job`);
:func:`run_plan` is that job's body (build, solve, check food safety, save);
:func:`move_request` pins a request to a route and starts a re-solve;
:func:`publish_plan` tells drivers, donors and recipients; :func:`start_replan`
re-plans the rest of a published day around what was already done.

Times in the problem are seconds since the plan day's local midnight.
Request ids are ``c<claim id>``, vehicle ids ``s<shift id>``.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

import routing
from coalition import permissions
from coalition.errors import Conflict, NotFound, PermissionDenied, ValidationError
from coalition.models import Claim, ClaimStatus, Donation, DonationLine, NotificationKind, User
from coalition.models.route_plan import PlanDrop, PlanStatus, Route, RoutePlan, Stop, StopKind, StopStatus
from coalition.models.shift import DriverShift, PlaceKind, ShiftStatus
from coalition.services import audit, food_safety, notifications, readiness, rescues, zoning

log = logging.getLogger(__name__)

SERVICE_S = 5 * 60              # minutes at each pickup or delivery
PLANNABLE = (ClaimStatus.CLAIMED, ClaimStatus.SCHEDULED)
ON_ROAD = (ClaimStatus.CLAIMED, ClaimStatus.SCHEDULED, ClaimStatus.PICKED_UP, ClaimStatus.DELIVERED)
DEFAULT_TIME_LIMIT_S = 10.0
STALE_MARGIN_S = 120            # a SOLVING plan older than its time limit plus this was killed
ZONE_SIZE = 300                 # automatic zones: one per this many requests (a day of 300 or fewer is solved whole)
MAX_ZONES = 16
DROP_WORDS = dict(routing.DROP_REASONS) | {
    "food_safety": "it cannot reach the recipient within its food-safety time on the vehicles available",
    "no_location": "the donor or the recipient has no map location",
}


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


@dataclass
class Built:
    """A problem and what its ids stand for."""

    problem: routing.Problem
    epoch: dt.datetime
    claims: dict[str, Claim]
    shifts: dict[str, DriverShift]
    skipped: list[tuple[Claim, str]] = field(default_factory=list)   # (claim, reason) left out before solving
    finish_only: dict[str, set[str]] = field(default_factory=dict)   # vehicle id -> the only requests it may serve


# --- reading the day ------------------------------------------------------------------------

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


# --- building the problem --------------------------------------------------------------------

def _seconds(moment: dt.datetime, epoch: dt.datetime) -> float:
    return (moment - epoch).total_seconds()


def _window(start: dt.datetime, end: dt.datetime, epoch: dt.datetime, floor_s: float = 0) -> routing.TimeWindow | None:
    a, b = max(_seconds(start, epoch), floor_s, 0), _seconds(end, epoch)
    return routing.TimeWindow(a, b) if b >= a else None


def _place(kind: PlaceKind, lat, lon, organization) -> routing.Location | None:
    if kind is PlaceKind.HOME and lat is not None and lon is not None:
        return routing.Location(lat, lon)
    if kind is PlaceKind.DEPOT and organization is not None and organization.latitude is not None:
        return routing.Location(organization.latitude, organization.longitude)
    return None


def _pin_dimension(vehicle_id: str) -> str:
    return f"pin:{vehicle_id}"


def build_problem(session: Session, claims: list[Claim], shifts: list[DriverShift], local_date: dt.date,
                  tz: dt.tzinfo, policy: food_safety.Policy, now_s: float | None = None,
                  pins: dict[int, int] | None = None, strict_ride: set[str] = frozenset(),
                  finish_only: dict[int, set[int]] | None = None, done: frozenset[tuple[str, str]] = frozenset()
                  ) -> Built:
    """Each claim a pickup-and-delivery request, each shift a vehicle.

    - windows: the donation's pickup window and the claim's delivery window,
      the delivery cut at the line's use-by; ``now_s`` cuts the past away;
    - load in grams (dimension ``g``), value = kg x the category's perishability;
    - max ride: the food-safety limit on the most permissive vehicle of the
      day that may carry it (``strict_ride``: the least permissive instead);
      :func:`run_plan` checks the vehicle actually assigned;
    - ``pins`` (claim id -> shift id): a request locked to a route carries one
      unit of that vehicle's own dimension, which only that vehicle has room for;
    - an "anywhere" start is the centre of the day's stops; an "anywhere" end is an open route;
    - the shift's ``max_stops`` bounds its route's stops (each pickup and each delivery is one);
    - ``finish_only`` (shift id -> claim ids started on it): a driver who dropped out mid-route gets
      exactly those claims' stops as their limit, so they finish what they started and take nothing new;
    - ``done`` visits (``("c<claim id>", "pickup"|"delivery")``, already made) keep their whole window:
      one made late is in the past, not unreachable.
    """
    epoch, _ = day_bounds(local_date, tz)
    pins = pins or {}
    finish_only = finish_only or {}
    floor = now_s or 0
    built = Built(None, epoch, {}, {})  # type: ignore[arg-type]
    points = [(c.line.donation.donor.latitude, c.line.donation.donor.longitude) for c in claims] + \
             [(c.recipient.latitude, c.recipient.longitude) for c in claims]
    points = [p for p in points if p[0] is not None and p[1] is not None]
    centre = routing.Location(sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)) \
        if points else routing.Location(45.52, -122.68)
    pinned_vehicles = {f"s{s}" for s in pins.values()}
    cold = readiness.cold_chains(session, shifts, local_date)   # no cold food without current food-safety training
    vehicles = []
    for shift in shifts:
        vid = f"s{shift.id}"
        start = _place(shift.start_kind, shift.start_latitude, shift.start_longitude, shift.start_organization) or centre
        end = _place(shift.end_kind, shift.end_latitude, shift.end_longitude, shift.end_organization)
        begin = max(_seconds(shift.start_at, epoch), floor)
        finish = _seconds(shift.end_at, epoch)
        if finish <= begin:
            begin = finish
        capacity = {"g": shift.capacity_g} | {_pin_dimension(v): (len(pins) if v == vid else 0) for v in pinned_vehicles}
        max_stops = shift.max_stops
        if shift.id in finish_only:
            built.finish_only[vid] = {f"c{claim_id}" for claim_id in finish_only[shift.id]}
            max_stops = 2 * len(built.finish_only[vid])   # done visits count: no room for a new request
        vehicles.append(routing.Vehicle(vid, start=start, end=end, shift=routing.TimeWindow(begin, finish),
                                        capacity=capacity, cold_chain=cold[shift.id].value, max_stops=max_stops))
        built.shifts[vid] = shift
    chains = {cold[s.id].value for s in shifts}
    requests = []
    for claim in claims:
        line, donation, recipient = claim.line, claim.line.donation, claim.recipient
        donor = donation.donor
        rid = f"c{claim.id}"
        if donor.latitude is None or recipient.latitude is None:
            built.skipped.append((claim, "no_location"))
            continue
        pickup = _window(donation.pickup_start, donation.pickup_end, epoch, 0 if (rid, "pickup") in done else floor)
        delivery = _window(claim.delivery_start, min(claim.delivery_end, line.use_by), epoch,
                           0 if (rid, "delivery") in done else floor)
        if pickup is None or delivery is None:
            built.skipped.append((claim, "window_unreachable"))
            continue
        storage = line.storage.value
        limits = [policy.max_ride_s(storage, chain) for chain in chains if routing.can_carry(chain, storage)]
        if not limits:
            ride = None
        elif rid in strict_ride:
            finite = [x for x in limits if x is not None]
            ride = min(finite) if finite else None
        else:
            ride = None if None in limits else max(limits)
        load = {"g": claim.quantity_g}
        if claim.id in pins:
            load[_pin_dimension(f"s{pins[claim.id]}")] = 1
        value = max(1, round(claim.quantity_g / 1000 * line.category.perishability))
        requests.append(routing.Request(
            rid, "pickup_delivery",
            pickup=routing.StopSpec(routing.Location(donor.latitude, donor.longitude), SERVICE_S, (pickup,)),
            delivery=routing.StopSpec(routing.Location(recipient.latitude, recipient.longitude), SERVICE_S, (delivery,)),
            load=load, storage_class=storage, max_ride_s=ride, value=value))
        built.claims[rid] = claim
    built.problem = routing.Problem(requests=tuple(requests), vehicles=tuple(vehicles))
    return built


def food_safety_violations(built: Built, solution: routing.Solution, policy: food_safety.Policy) -> set[str]:
    """Requests whose pickup-to-delivery time exceeds the limit for the vehicle that actually carries them."""
    late = set()
    for route in solution.routes:
        chain = built.shifts[route.vehicle_id].cold_chain.value
        picked: dict[str, float] = {}
        for visit in route.visits:
            if visit.kind == "pickup":
                picked[visit.request_id] = visit.start_s
                continue
            claim = built.claims.get(visit.request_id)
            if claim is None or visit.request_id not in picked:
                continue
            limit = policy.max_ride_s(claim.line.storage.value, chain)
            if limit is not None and visit.start_s - picked[visit.request_id] > limit + 1:
                late.add(visit.request_id)
    return late


# --- starting and running a plan ------------------------------------------------------------

def start_plan(session: Session, actor: User, local_date: dt.date, tz: dt.tzinfo, now: dt.datetime,
               window: tuple[dt.datetime, dt.datetime] | None = None, time_limit_s: float = DEFAULT_TIME_LIMIT_S,
               deterministic: bool = False, based_on: RoutePlan | None = None, replan: bool = False,
               pins: dict[int, int] | None = None, zones: int | None = None) -> RoutePlan:
    """Create a plan in status SOLVING for the caller to hand to the job (:func:`coalition.jobs.plan_job`).

    ``zones``: split the day into that many zones solved separately and merged
    (None or 0: automatic, see :func:`zone_count`; 1: solve the day whole).

    Raises PermissionDenied (not backbone staff), ValidationError when the day
    has no requests or no shifts (saying which), Conflict while another plan
    of that day is still solving.
    """
    if zones is not None and not 0 <= zones <= MAX_ZONES:
        raise ValidationError(f"Zones must be between 1 and {MAX_ZONES} (empty: automatic).",
                              {"zones": f"Between 1 and {MAX_ZONES}, or empty for automatic."})
    if not permissions.can_plan_routes(actor):
        raise PermissionDenied("Only the backbone's coordinators plan routes.")
    if window is not None and window[1] <= window[0]:
        raise ValidationError("The time range must end after it starts.", {"until": "End after the start."})
    running = latest_plan(session, local_date, now)
    if running is not None and running.status is PlanStatus.SOLVING:
        raise Conflict("A plan for this day is being solved right now; wait for it to finish.")
    claims = list_plannable_claims(session, local_date, tz, window=window)
    if replan and based_on is not None:
        claims = _claims_of(based_on) | {c.id: c for c in claims}
        claims = list(claims.values())
    shifts = list_available_shifts(session, local_date)
    errors = {}
    if not claims:
        errors["date"] = "No claimed food has a pickup that day: there is nothing to plan."
    if not shifts:
        errors["shifts"] = "No driver has posted a shift that day: there is no one to plan for."
    if errors:
        raise ValidationError(" ".join(errors.values()), errors)
    plan = RoutePlan(local_date=local_date, status=PlanStatus.SOLVING, created_by_id=actor.id, created_at=now,
                     window_start=window[0] if window else None, window_end=window[1] if window else None,
                     based_on_id=based_on.id if based_on else None, progress_pct=0,
                     message="Queued: waiting for the planner to start.",
                     params={"time_limit_s": time_limit_s, "deterministic": deterministic, "replan": replan,
                             "zones": zones or 0,
                             "pins": {str(k): v for k, v in (pins or {}).items()}})
    session.add(plan)
    session.flush()
    audit.record(session, actor, "route_plan", plan.id, "replan_started" if replan else "plan_started", now, None,
                 local_date=local_date.isoformat(), requests=len(claims), shifts=len(shifts))
    return plan


def _claims_of(plan: RoutePlan) -> dict[int, Claim]:
    return {stop.claim_id: stop.claim for route in plan.routes for stop in route.stops
            if stop.claim.status in ON_ROAD}


def _done_visits(plan: RoutePlan) -> dict[tuple[int, str], Stop]:
    """Stops already done (or arrived at): their food is on board or delivered; re-planning keeps them."""
    return {(stop.claim_id, stop.kind.value): stop for route in plan.routes for stop in route.stops
            if stop.status in (StopStatus.DONE, StopStatus.ARRIVED)}


def _started_by_dropped_out(done_stops: dict[tuple[int, str], Stop], shifts: list[DriverShift]) -> dict[int, set[int]]:
    """Shifts no longer driving (cover asked, cancelled, not ready) whose route has stops done: shift id -> the
    claims started on it. Their food on board must still be delivered, by them, and nothing more."""
    available = {shift.id for shift in shifts}
    started: dict[int, set[int]] = defaultdict(set)
    for (claim_id, _kind), stop in done_stops.items():
        if stop.route.shift_id not in available:
            started[stop.route.shift_id].add(claim_id)
    return dict(started)


def _finishing_words(built: Built, done: frozenset[tuple[str, str]]) -> list[dict]:
    """For the coordinator: each dropped-out driver kept only to finish what they started."""
    words = []
    for vid, rids in sorted(built.finish_only.items()):
        shift = built.shifts[vid]
        on_board = [rid for rid in rids if (rid, "pickup") in done and (rid, "delivery") not in done]
        words.append({"driver": (shift.covered_by or shift.driver).display_name, "shift_id": shift.id,
                      "requests": len(rids), "kg_on_board": round(sum(built.claims[rid].quantity_g
                                                                      for rid in on_board if rid in built.claims) / 1000, 1)})
    return words


def zone_count(requested: int | None, requests: int) -> int:
    """How many zones a day is solved in: the number asked for, else (0/None, automatic) one per
    ZONE_SIZE requests; never so many that a zone has fewer than two requests."""
    wanted = requested or -(-requests // ZONE_SIZE)
    return max(1, min(wanted, MAX_ZONES, requests // 2))


def solve_zones_inline(problems: list[routing.Problem], params: routing.SolveParams) -> list[routing.Solution]:
    """Solve zones one after another here (the default; :func:`coalition.jobs.solve_zones` runs them as jobs).
    ``params.previous`` may be the whole day's: each zone is warm-started from its own part of it."""
    return [routing.solve(problem, zoning.zone_params(problem, params)) for problem in problems]


@dataclass
class _Parts:
    """A day as it is being solved: its parts (the day whole, or its zones) and each part's answer."""

    problems: list[routing.Problem]
    answers: list[routing.Solution]
    zoned: bool

    @property
    def solution(self) -> routing.Solution:
        return zoning.merge(self.answers) if self.zoned else self.answers[0]


def _solve_parts(problems: list[routing.Problem], params: routing.SolveParams, zoned: bool, before_solving,
                 zone_solver) -> list[routing.Solution]:
    """Each problem's solution: the day whole by ``routing.solve``, zones by ``zone_solver(problems, params)``.

    ``before_solving`` (the job's commit) runs first, every time: a transaction open during a solve would
    hold SQLite's write lock (every transaction takes it, see extensions.py) and lock out every request.
    """
    if before_solving is not None:
        before_solving()
    if not zoned:
        return [routing.solve(problem, params) for problem in problems]
    return (zone_solver or solve_zones_inline)(problems, params)


def _solve(problem: routing.Problem, params: routing.SolveParams, zones: int, before_solving,
           zone_solver) -> _Parts:
    """Solve whole, or split into zones (each request in exactly one zone) and solve each."""
    problems = zoning.split(problem, zones) if zones > 1 else [problem]
    zoned = len(problems) > 1
    if zoned:
        log.info("solving %d requests in %d zones", len(problem.requests), len(problems))
    return _Parts(problems, _solve_parts(problems, params, zoned, before_solving, zone_solver), zoned)


def _resolve(parts: _Parts, problem: routing.Problem, params: routing.SolveParams, touched: set[str],
             before_solving, zone_solver) -> _Parts:
    """Solve again only the parts holding a ``touched`` request, as they stand in ``problem`` (the day with
    stricter ride limits or without some requests); the other zones keep their answers, untouched.
    A zone's warm start is its own part of ``params.previous``."""
    redo = [i for i, zone in enumerate(parts.problems) if any(r.id in touched for r in zone.requests)]
    problems = zoning.same_zones(problem, parts.problems) if parts.zoned else [problem]
    if parts.zoned:
        log.info("re-solving %d of %d zones", len(redo), len(problems))
    fresh = _solve_parts([problems[i] for i in redo], params, parts.zoned, before_solving, zone_solver)
    answers = list(parts.answers)
    for i, answer in zip(redo, fresh):
        answers[i] = answer
    return _Parts(problems, answers, parts.zoned)


def run_plan(session: Session, plan_id: int, tz: dt.tzinfo, now: dt.datetime, num_workers: int = 1,
             before_solving=None, zone_solver=None) -> RoutePlan:
    """The job's body: build the problem from the database, solve, check food safety, save the rows.

    Flushes, never commits (the job commits). ``before_solving`` (the job passes
    :func:`coalition.jobs.commit_keeping_loaded`) is called before every solve (the
    first, each zone's, the food-safety re-solves), so no database transaction stays
    open while one runs (on SQLite it would hold the write lock and lock out every
    request). Raises whatever goes wrong; the job turns that into a FAILED plan.

    A day of several zones (``params["zones"]``, :func:`zone_count`) is split by
    :mod:`coalition.services.zoning`, each zone solved by ``zone_solver(problems,
    params)`` (the job passes :func:`coalition.jobs.solve_zones`: parallel RQ jobs
    with REDIS_URL) and merged; a re-plan, a pinned request or a warm start is solved whole.
    A food-safety re-solve of a zoned day solves again only the zones holding the requests concerned.
    """
    plan = get_plan(session, plan_id)
    if plan.status is not PlanStatus.SOLVING:
        raise Conflict(f"Plan {plan.id} is {plan.status.value}; it is not waiting to be solved.")
    params = plan.params or {}
    policy = food_safety.load_policy(session)
    window = (plan.window_start, plan.window_end) if plan.window_start and plan.window_end else None
    claims = list_plannable_claims(session, plan.local_date, tz, plan.zone, window)
    shifts = list_available_shifts(session, plan.local_date)
    previous, done, done_times, now_s, finish_only = None, frozenset(), {}, None, {}
    base = plan.based_on_id and session.get(RoutePlan, plan.based_on_id)
    if base and base.solution:
        previous = routing.Solution.from_dict(base.solution)
    if params.get("replan") and base:
        epoch, _ = day_bounds(plan.local_date, tz)
        now_s = max(0.0, _seconds(now, epoch))
        by_id = {c.id: c for c in claims} | _claims_of(base)
        claims = sorted(by_id.values(), key=lambda c: c.id)
        done_stops = _done_visits(base)
        done = frozenset((f"c{claim_id}", kind) for claim_id, kind in done_stops)
        # When they really happened (the driver's tap on arriving, else on finishing): the ride limit counts
        # from the real pickup, and nothing is planned as if it could still move.
        done_times = {(f"c{claim_id}", kind): float(round(_seconds(stop.arrived_at or stop.completed_at, epoch)))
                      for (claim_id, kind), stop in done_stops.items() if stop.arrived_at or stop.completed_at}
        # A driver who dropped out keeps the route's done part (the food on board is theirs), and only that.
        carrying = {stop.route.shift for stop in done_stops.values()}
        finish_only = _started_by_dropped_out(done_stops, shifts)
        shifts = shifts + [s for s in carrying if s not in shifts]
    pins = {int(k): v for k, v in (params.get("pins") or {}).items()}
    started = time.monotonic()
    built = build_problem(session, claims, shifts, plan.local_date, tz, policy, now_s, pins, finish_only=finish_only,
                          done=done)
    solve_params = routing.SolveParams(time_limit_s=float(params.get("time_limit_s", DEFAULT_TIME_LIMIT_S)),
                                       deterministic=bool(params.get("deterministic")),
                                       num_workers=1 if params.get("deterministic") else num_workers,
                                       previous=_usable_previous(previous, built) if previous else None,
                                       done=done if previous else frozenset(), now_s=now_s,
                                       done_times=done_times if previous else {})
    zones = 1 if (pins or solve_params.previous or done) else zone_count(params.get("zones"), len(built.problem.requests))
    parts = _solve(built.problem, solve_params, zones, before_solving, zone_solver)
    solution, zones = parts.solution, len(parts.problems)
    unsafe = food_safety_violations(built, solution, policy)
    resolved = len(unsafe)
    if unsafe:
        # The vehicle that took it keeps food safe for less time than the most permissive one: solve
        # again with those requests held to the strictest limit of the vehicles that may carry them
        # (a zoned day: only the zones holding them).
        log.info("plan %s: %d requests over their food-safety time; re-solving", plan.id, len(unsafe))
        built = build_problem(session, claims, shifts, plan.local_date, tz, policy, now_s, pins, unsafe,
                              finish_only=finish_only, done=done)
        # Half the budget again: the whole job stays within 1.5x the time limit.
        # Warm-started from the first answer, so the rest of the plan keeps its quality.
        parts = _resolve(parts, built.problem, dataclasses.replace(
            solve_params, time_limit_s=max(1.0, solve_params.time_limit_s / 2),
            previous=_drop(solution, unsafe) if not done else solve_params.previous),
            unsafe, before_solving, zone_solver)
        solution = parts.solution
        unsafe = food_safety_violations(built, solution, policy) - {rid for rid, _kind in done}
        if unsafe:
            # Still over on the vehicle it got: leave it out and solve the rest once more, briefly, so the
            # saved routes stay consistent (times, loads) and the validator can check them.
            left_out = [c for c in claims if f"c{c.id}" in unsafe]
            built = build_problem(session, [c for c in claims if f"c{c.id}" not in unsafe], shifts, plan.local_date,
                                  tz, policy, now_s, pins, unsafe, finish_only=finish_only, done=done)
            parts = _resolve(parts, built.problem, dataclasses.replace(
                solve_params, time_limit_s=max(1.0, solve_params.time_limit_s / 4),
                previous=_drop(solution, unsafe) if not done else solve_params.previous),
                unsafe, before_solving, zone_solver)
            solution = parts.solution
            built.skipped.extend((claim, "food_safety") for claim in left_out)
    violations = routing.validate(built.problem, solution, done=solve_params.done)
    _save(session, plan, built, solution, policy, base)
    elapsed = time.monotonic() - started
    plan.figures = _figures(built, solution) | {"solve_s": round(elapsed, 2), "valid": not violations,
                                                "food_safety_resolved": resolved, "zones": zones,
                                                "violations": [str(v) for v in violations[:5]]}
    plan.solution = solution.to_dict()
    plan.status, plan.progress_pct, plan.solved_at = PlanStatus.READY, 100, now
    plan.message = (f"Planned in {elapsed:.1f} s: {plan.figures['served']} of {plan.figures['requests']} requests "
                    f"on {plan.figures['vehicles_used']} routes.")
    left_out = readiness.screen_shifts(session, list_available_shifts(session, plan.local_date, screened=False),
                                       plan.local_date)
    if left_out.left_out:
        plan.figures = plan.figures | {"left_out": readiness.left_out_words(left_out)}
        plan.message += " Left out: " + "; ".join(f"{r['driver']} ({r['reason']})" for r in plan.figures["left_out"]) + "."
    if built.finish_only:
        plan.figures = plan.figures | {"finishing_only": _finishing_words(built, done)}
        plan.message += " Dropped out, only finishing what they started (no new pickups): " + "; ".join(
            f"{w['driver']} ({w['requests']} started, {w['kg_on_board']:g} kg on board)"
            for w in plan.figures["finishing_only"]) + "."
    session.flush()
    return plan


def _usable_previous(previous: routing.Solution, built: Built) -> routing.Solution:
    """The previous solution restricted to the requests and vehicles of this problem (a warm start); a driver
    who only finishes what they started keeps just those requests."""
    usable = zoning.restrict(previous, built.problem)
    return dataclasses.replace(usable, routes=tuple(
        dataclasses.replace(r, visits=tuple(v for v in r.visits if v.request_id in built.finish_only[r.vehicle_id]))
        if r.vehicle_id in built.finish_only else r for r in usable.routes))


def _drop(solution: routing.Solution, unsafe: set[str]) -> routing.Solution:
    """Take requests off their routes as dropped for food safety (their visits removed)."""
    data = solution.to_dict()
    routes = [dict(route, visits=[v for v in route["visits"] if v["request_id"] not in unsafe])
              for route in data["routes"]]
    data["routes"] = [r for r in routes if r["visits"]]
    # routing's own code for a ride too long; the words say it is the food-safety time.
    data["dropped"] = list(data["dropped"]) + [{"request_id": rid, "reason": "ride_time",
                                                "message": DROP_WORDS["food_safety"]} for rid in sorted(unsafe)]
    return routing.Solution.from_dict(data)


def _at(epoch: dt.datetime, seconds: float) -> dt.datetime:
    return (epoch + dt.timedelta(seconds=seconds)).replace(microsecond=0)


def _save(session: Session, plan: RoutePlan, built: Built, solution: routing.Solution, policy: food_safety.Policy,
          base: RoutePlan | None) -> None:
    """Routes, stops (with safe-until and what already happened on the plan it replaces) and drops."""
    epoch = built.epoch
    before = _done_visits(base) if base and (plan.params or {}).get("replan") else {}
    for route in solution.routes:
        if not route.visits:
            continue
        shift = built.shifts[route.vehicle_id]
        row = Route(plan=plan, shift=shift, driver_id=shift.acting_driver_id, start_at=_at(epoch, route.start_s),
                    end_at=_at(epoch, route.end_s), distance_m=int(route.distance_m),
                    duration_s=int(route.end_s - route.start_s))
        session.add(row)
        picked: dict[str, dt.datetime] = {}
        for position, visit in enumerate(route.visits):
            claim = built.claims[visit.request_id]
            kind = StopKind(visit.kind)
            site = claim.line.donation.donor if kind is StopKind.PICKUP else claim.recipient
            start = _at(epoch, visit.start_s)
            if kind is StopKind.PICKUP:
                picked[visit.request_id] = start
            safe = policy.safe_until(picked.get(visit.request_id, start), claim.line.storage.value,
                                     shift.cold_chain.value, claim.line.use_by)
            stop = Stop(route=row, position=position, kind=kind, claim=claim, organization=site,
                        latitude=site.latitude, longitude=site.longitude, arrival_at=_at(epoch, visit.arrival_s),
                        service_start_at=start, departure_at=_at(epoch, visit.departure_s),
                        load_after_g=int(visit.load_after.get("g", 0)), safe_until=safe,
                        locked=claim.id in {int(k) for k in (plan.params or {}).get("pins", {})})
            old = before.get((claim.id, kind.value))
            if old is not None:
                for name in ("status", "arrived_at", "completed_at", "actual_g", "temperature_c", "receiver_name",
                             "problem_kind", "note", "photo_filename"):
                    setattr(stop, name, getattr(old, name))
            session.add(stop)
    for dropped in solution.dropped:
        claim = built.claims[dropped.request_id]
        session.add(PlanDrop(plan=plan, claim=claim, reason=dropped.reason,
                             message=(dropped.message or DROP_WORDS.get(dropped.reason, dropped.reason))[:500]))
    for claim, reason in built.skipped:
        session.add(PlanDrop(plan=plan, claim=claim, reason=reason, message=DROP_WORDS[reason]))
    session.flush()


def _figures(built: Built, solution: routing.Solution) -> dict:
    served = {v.request_id for r in solution.routes for v in r.visits}
    requested_g = sum(c.quantity_g for c in built.claims.values()) + sum(c.quantity_g for c, _ in built.skipped)
    moved_g = sum(built.claims[rid].quantity_g for rid in served)
    dropped = [{"claim_id": built.claims[d.request_id].id, "reason": d.reason,
                "message": d.message or DROP_WORDS.get(d.reason, d.reason)} for d in solution.dropped]
    dropped += [{"claim_id": c.id, "reason": reason, "message": DROP_WORDS[reason]} for c, reason in built.skipped]
    return {
        "requests": len(built.claims) + len(built.skipped), "served": len(served), "dropped": dropped,
        "vehicles_used": sum(1 for r in solution.routes if r.visits), "shifts": len(built.shifts),
        "kg_requested": round(requested_g / 1000, 1), "kg_moved": round(moved_g / 1000, 1),
        "km_driven": round(solution.distance_m / 1000, 1),
        "volunteer_hours": round(sum(r.end_s - r.start_s for r in solution.routes if r.visits) / 3600, 1),
        "share_served": round(moved_g / requested_g, 3) if requested_g else 0.0,
    }


def fail_plan(session: Session, plan_id: int, message: str) -> None:
    """Mark a plan FAILED with what happened (the previous plan of the day is untouched)."""
    plan = session.get(RoutePlan, plan_id)
    if plan is not None and plan.status is PlanStatus.SOLVING:
        plan.status, plan.message, plan.progress_pct = PlanStatus.FAILED, message[:2000], 0
        session.flush()


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


# --- coordinator edits -----------------------------------------------------------------------

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
    running = latest_plan(session, plan.local_date, now)
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
    base = published_plan(session, local_date)
    if base is None:
        raise Conflict("This day has no published plan to re-plan; plan it first.")
    return start_plan(session, actor, local_date, tz, now, time_limit_s=time_limit_s, deterministic=deterministic,
                      based_on=base, replan=True)


def _local(moment: dt.datetime | None, tz: dt.tzinfo) -> str:
    return moment.astimezone(tz).strftime("%a %H:%M") if moment else "?"


def _route_signature(route: Route) -> list[tuple[int, str, str]]:
    return [(s.claim_id, s.kind.value, f"{s.service_start_at:%H:%M}") for s in route.stops]


def publish_plan(session: Session, actor: User, plan: RoutePlan, now: dt.datetime, tz: dt.tzinfo) -> dict:
    """Publish a ready plan: it supersedes the day's published plan; claims become scheduled; each driver,
    donor and recipient is told their time (when re-planning: only drivers whose route changed).

    Returns counts {"drivers", "organizations", "claims"}. Raises PermissionDenied, Conflict (not ready).
    """
    if not permissions.can_plan_routes(actor):
        raise PermissionDenied("Only the backbone's coordinators publish plans.")
    if plan.status is not PlanStatus.READY:
        raise Conflict(f"This plan is {plan.status.value}; only a ready plan can be published.")
    previous = published_plan(session, plan.local_date, plan.zone)
    old_routes: dict[int, list] = {}
    if previous is not None:
        previous.status = PlanStatus.SUPERSEDED
        for route in previous.routes:
            old_routes.setdefault(route.driver_id, []).extend(_route_signature(route))
    plan.status, plan.published_at = PlanStatus.PUBLISHED, now
    link = "/driver"   # the driver app (built beside this module) shows the route
    drivers = 0
    told_orgs: set[int] = set()
    new_drivers = set()
    for route in plan.routes:
        new_drivers.add(route.driver_id)
        if previous is not None and old_routes.get(route.driver_id) == _route_signature(route):
            continue
        first = route.stops[0] if route.stops else None
        verb = "changed" if previous is not None and route.driver_id in old_routes else "planned"
        notifications.notify_user(
            session, route.driver, NotificationKind.PICKUP_SCHEDULED,
            f"Your route on {plan.local_date:%a %d %b} was {verb}: {len(route.stops)} stops",
            f"First stop {first.organization.name} at {_local(first.service_start_at, tz)}; "
            f"back by {_local(route.end_at, tz)}." if first else "", link, now)
        drivers += 1
    for driver_id in set(old_routes) - new_drivers:
        user = session.get(User, driver_id)
        if user is not None:
            notifications.notify_user(session, user, NotificationKind.CANCELLED,
                                      f"Your route on {plan.local_date:%a %d %b} was taken off",
                                      "The day was re-planned without your route. Thank you!", link, now)
            drivers += 1
    old_times = {(s[0], s[1]): s[2] for stops in old_routes.values() for s in stops}
    scheduled = 0
    for route in plan.routes:
        for stop in route.stops:
            claim = stop.claim
            if claim.status is ClaimStatus.CLAIMED:
                claim.status = ClaimStatus.SCHEDULED
                scheduled += 1
            if old_times.get((claim.id, stop.kind.value)) == f"{stop.service_start_at:%H:%M}":
                continue
            what = "Pickup" if stop.kind is StopKind.PICKUP else "Delivery"
            notifications.notify_organization(
                session, stop.organization, NotificationKind.PICKUP_SCHEDULED,
                f"{what} at {_local(stop.service_start_at, tz)}: {claim.quantity_g / 1000:g} kg {claim.line.description}",
                f"{route.driver.display_name} plans to arrive about {_local(stop.arrival_at, tz)}"
                f" ({'to ' + claim.recipient.name if stop.kind is StopKind.PICKUP else 'from ' + claim.line.donation.donor.name}).",
                f"/claims/{claim.id}" if stop.kind is StopKind.DELIVERY else f"/donations/{claim.line.donation_id}", now)
            told_orgs.add(stop.organization_id)
    audit.record(session, actor, "route_plan", plan.id, "published", now, None, routes=len(plan.routes),
                 superseded=previous.id if previous else None)
    session.flush()
    return {"drivers": drivers, "organizations": len(told_orgs), "claims": scheduled}


def plan_summary(plan: RoutePlan) -> dict:
    """The CLI's JSON: requests, served, dropped (with reasons), vehicles used, km, solve time, validity."""
    figures = plan.figures or {}
    return {
        "plan_id": plan.id, "date": plan.local_date.isoformat(), "status": plan.status.value,
        "requests": figures.get("requests", 0), "served": figures.get("served", 0),
        "dropped": figures.get("dropped", []), "vehicles_used": figures.get("vehicles_used", 0),
        "distance_km": figures.get("km_driven", 0.0), "duration_s": figures.get("solve_s", 0.0),
        "kg_moved": figures.get("kg_moved", 0.0), "share_served": figures.get("share_served", 0.0),
        "volunteer_hours": figures.get("volunteer_hours", 0.0), "valid": figures.get("valid", False),
        "zones": figures.get("zones", 1), "message": plan.message,
    }


def routes_for_map(plan: RoutePlan) -> list[dict]:
    """Each route's stops as plain data for the page's map and JSON."""
    return [{"id": r.id, "driver": r.driver.display_name,
             "stops": [{"lat": s.latitude, "lon": s.longitude, "kind": s.kind.value, "name": s.organization.name,
                        "position": s.position} for s in r.stops]} for r in plan.routes]


def drops_by_reason(plan: RoutePlan) -> dict[str, list[PlanDrop]]:
    grouped: dict[str, list[PlanDrop]] = defaultdict(list)
    for drop in plan.drops:
        grouped[drop.message].append(drop)
    return dict(grouped)



def default_planner(session: Session, email: str | None = None) -> User:
    """The person the command line plans as: ``email``, or the backbone's first active admin or coordinator."""
    from coalition.models import Membership, Organization, OrganizationKind, Role

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
