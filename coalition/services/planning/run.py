"""Starting a plan and running it: the job's body as named steps (load, build, solve, enforce food safety, save).

A day of several zones is split by :mod:`coalition.services.zoning` and each zone solved separately; a
food-safety re-solve of a zoned day solves again only the zones holding the requests concerned.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

import routing
from coalition import permissions
from coalition.errors import Conflict, PermissionDenied, ValidationError
from coalition.models import Claim, User
from coalition.models.route_plan import PlanStatus, RoutePlan, Stop
from coalition.models.shift import DriverShift
from coalition.services import audit, food_safety, readiness, zoning
from coalition.services.planning import queries, translate
from coalition.services.planning import travel as travel_times
from coalition.services.planning.translate import Built

log = logging.getLogger(__name__)

ZONE_SIZE = 300                 # automatic zones: one per this many requests (a day of 300 or fewer is solved whole)
MAX_ZONES = 16


# --- starting ---------------------------------------------------------------------------------

@functools.cache
def thinking_time_hint() -> str | None:
    """What more thinking time buys, in words for the plan form's time limit; None without figures.

    Drawn from the anytime table shipped with the solver (``routing.read_anytime``,
    measured by ``routing.bench --trace``): at each checkpoint of runs given the
    table's time limit, the mean gap of the best plan so far to the best-known
    plans and how many reached the best-known fleet. The search paces itself to
    its limit, so a run given a shorter limit usually does better than that
    checkpoint of a longer run: the figures err on the cautious side. Read once
    per process: the table changes only with a new release.
    """
    try:
        table = routing.read_anytime()
    except ValueError as exc:
        log.warning("planning: no thinking-time hint: %s", exc)
        return None
    if table is None or not table.checkpoints:
        return None
    parts, worded = [], False
    for point in table.checkpoints:
        at, of = f"after {point.at_s:g} s", f"{point.instances}"
        if point.planned == 0:
            parts.append(f"{at} none had a plan yet")
        elif point.planned < point.instances:
            parts.append(f"{at} only {point.planned} of {of} had a plan")
        elif point.mean_gap_pct is None:
            parts.append(f"{at} none had the best-known number of vehicles")
        elif not worded:
            parts.append(f"{at} the best plan so far was on average {point.mean_gap_pct:.1f}% above the best known, "
                         f"with the best-known number of vehicles on {point.bks_vehicles} of {of}")
            worded = True
        else:
            parts.append(f"{at} {point.mean_gap_pct:.1f}% ({point.bks_vehicles} of {of})")
    return (f"More time finds fewer vehicles and shorter routes. On {len(table.instances)} published benchmark "
            f"instances, each given {table.time_limit_s:g} s ({table.workers} searches in parallel, measured "
            f"{table.measured_on}): " + "; ".join(parts) + ".")


def start_plan(session: Session, actor: User, local_date: dt.date, tz: dt.tzinfo, now: dt.datetime,
               window: tuple[dt.datetime, dt.datetime] | None = None,
               time_limit_s: float = queries.DEFAULT_TIME_LIMIT_S, deterministic: bool = False, based_on: RoutePlan | None = None, replan: bool = False,
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
    running = queries.latest_plan(session, local_date, now)
    if running is not None and running.status is PlanStatus.SOLVING:
        raise Conflict("A plan for this day is being solved right now; wait for it to finish.")
    claims = queries.list_plannable_claims(session, local_date, tz, window=window)
    if replan and based_on is not None:
        claims = queries.claims_on_road(based_on) | {c.id: c for c in claims}
        claims = list(claims.values())
    shifts = queries.list_available_shifts(session, local_date)
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


def fail_plan(session: Session, plan_id: int, message: str) -> None:
    """Mark a plan FAILED with what happened (the previous plan of the day is untouched)."""
    plan = session.get(RoutePlan, plan_id)
    if plan is not None and plan.status is PlanStatus.SOLVING:
        plan.status, plan.message, plan.progress_pct = PlanStatus.FAILED, message[:2000], 0
        session.flush()


# --- solving, whole or in zones ----------------------------------------------------------------

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


@dataclass
class _Solving:
    """How the job solves: ``before_solving`` (the job's commit) runs before every solve; ``zone_solver(problems,
    params)`` solves a zoned day's zones (None: :func:`solve_zones_inline`)."""

    before_solving: Callable[[], None] | None = None
    zone_solver: Callable[[list[routing.Problem], routing.SolveParams], list[routing.Solution]] | None = None


def _solve_parts(problems: list[routing.Problem], params: routing.SolveParams, zoned: bool,
                 solving: _Solving) -> list[routing.Solution]:
    """Each problem's solution: the day whole by ``routing.solve``, zones by ``solving.zone_solver``.

    ``solving.before_solving`` (the job's commit) runs first, every time: a transaction open during a solve
    would hold SQLite's write lock (every transaction takes it, see extensions.py) and lock out every request.
    """
    if solving.before_solving is not None:
        solving.before_solving()
    if not zoned:
        return [routing.solve(problem, params) for problem in problems]
    return (solving.zone_solver or solve_zones_inline)(problems, params)


def _solve(problem: routing.Problem, params: routing.SolveParams, zones: int, solving: _Solving) -> _Parts:
    """Solve whole, or split into zones (each request in exactly one zone) and solve each."""
    problems = zoning.split(problem, zones) if zones > 1 else [problem]
    zoned = len(problems) > 1
    if zoned:
        log.info("solving %d requests in %d zones", len(problem.requests), len(problems))
    return _Parts(problems, _solve_parts(problems, params, zoned, solving), zoned)


def _resolve(parts: _Parts, problem: routing.Problem, params: routing.SolveParams, touched: set[str],
             solving: _Solving) -> _Parts:
    """Solve again only the parts holding a ``touched`` request, as they stand in ``problem`` (the day with
    stricter ride limits or without some requests); the other zones keep their answers, untouched.
    A zone's warm start is its own part of ``params.previous``."""
    redo = [i for i, zone in enumerate(parts.problems) if any(r.id in touched for r in zone.requests)]
    problems = zoning.same_zones(problem, parts.problems) if parts.zoned else [problem]
    if parts.zoned:
        log.info("re-solving %d of %d zones", len(redo), len(problems))
    fresh = _solve_parts([problems[i] for i in redo], params, parts.zoned, solving)
    answers = list(parts.answers)
    for i, answer in zip(redo, fresh):
        answers[i] = answer
    return _Parts(problems, answers, parts.zoned)


# --- running: load, build, solve, enforce food safety, save ----------------------------------

def run_plan(session: Session, plan_id: int, tz: dt.tzinfo, now: dt.datetime, num_workers: int = 1,
             before_solving: Callable[[], None] | None = None,
             zone_solver: Callable[[list[routing.Problem], routing.SolveParams], list[routing.Solution]] | None = None,
             osrm: routing.OsrmProvider | None = None) -> RoutePlan:
    """The job's body: build the problem from the database, solve, check food safety, save the rows.

    Flushes, never commits (the job commits). ``before_solving`` (the job passes
    :func:`coalition.jobs.commit` keeping what it loaded) is called before every solve (the
    first, each zone's, the food-safety re-solves), so no database transaction stays
    open while one runs (on SQLite it would hold the write lock and lock out every
    request). Raises whatever goes wrong; the job turns that into a FAILED plan.

    A day of several zones (``params["zones"]``, :func:`zone_count`) is split by
    :mod:`coalition.services.zoning`, each zone solved by ``zone_solver(problems,
    params)`` (the job passes :func:`coalition.jobs.solve_zones`: parallel RQ jobs
    with REDIS_URL) and merged; a re-plan, a pinned request or a warm start is solved whole.
    A food-safety re-solve of a zoned day solves again only the zones holding the requests concerned.
    ``osrm`` (:func:`coalition.services.planning.travel.osrm_provider`): plan on road times from that server,
    or on straight lines, saying so, when it cannot be reached.
    """
    day = _load(session, plan_id, tz, now)
    started = time.monotonic()
    built = day.build(session, tz)
    day.travel = travel_times.choose(built.problem, osrm)
    built.problem = travel_times.with_travel(built.problem, day.travel)
    params = _solve_params(day, built, num_workers)
    solving = _Solving(before_solving, zone_solver)
    parts = _solve(built.problem, params, _zones(day, built, params), solving)
    zones = len(parts.problems)
    built, solution, resolved = _enforce_food_safety(session, tz, day, built, parts, params, solving)
    _save(session, day, built, solution, params, started, now, resolved, zones)
    return day.plan


@dataclass
class _Day:
    """A plan's day as the job read it: what goes into the problem, and for a re-plan what was already done."""

    plan: RoutePlan
    policy: food_safety.Policy
    claims: list[Claim]
    shifts: list[DriverShift]
    base: RoutePlan | None                      # the plan this one is based on (a move's or a re-plan's)
    pins: dict[int, int]                        # claim id -> the shift it is locked to
    previous: routing.Solution | None = None    # the base's solution: the warm start
    done: frozenset[tuple[str, str]] = frozenset()
    done_times: dict[tuple[str, str], float] = field(default_factory=dict)
    now_s: float | None = None
    finish_only: dict[int, set[int]] = field(default_factory=dict)
    travel: travel_times.Travel = field(default_factory=travel_times.Travel)   # road times or straight lines, chosen once

    def build(self, session: Session, tz: dt.tzinfo, claims: list[Claim] | None = None,
              strict_ride: set[str] = frozenset()) -> Built:
        """The day's problem (of ``claims`` when given), ``strict_ride`` held to their strictest ride limit."""
        built = translate.build_problem(session, self.claims if claims is None else claims, self.shifts,
                                        self.plan.local_date, tz, self.policy, now_s=self.now_s, pins=self.pins,
                                        strict_ride=strict_ride, finish_only=self.finish_only, done=self.done)
        built.problem = travel_times.with_travel(built.problem, self.travel)
        return built


def _load(session: Session, plan_id: int, tz: dt.tzinfo, now: dt.datetime) -> _Day:
    """Step 1: the plan, the food-safety rules, the day's claims and shifts, and what the plan is based on.
    Raises NotFound, Conflict (the plan is not waiting to be solved)."""
    plan = queries.get_plan(session, plan_id)
    if plan.status is not PlanStatus.SOLVING:
        raise Conflict(f"Plan {plan.id} is {plan.status.value}; it is not waiting to be solved.")
    params = plan.params or {}
    policy = food_safety.load_policy(session)
    window = (plan.window_start, plan.window_end) if plan.window_start and plan.window_end else None
    day = _Day(plan, policy, queries.list_plannable_claims(session, plan.local_date, tz, plan.zone, window),
               queries.list_available_shifts(session, plan.local_date),
               session.get(RoutePlan, plan.based_on_id) if plan.based_on_id else None,
               {int(k): v for k, v in (params.get("pins") or {}).items()})
    if day.base and day.base.solution:
        day.previous = routing.Solution.from_dict(day.base.solution)
    if params.get("replan") and day.base:
        _keep_what_was_done(day, tz, now)
    return day


def _keep_what_was_done(day: _Day, tz: dt.tzinfo, now: dt.datetime) -> None:
    """A re-plan: the base's claims still on the road come back, its done visits stay as they happened, the
    past is cut away, and a driver who dropped out keeps only what they started."""
    epoch, _ = queries.day_bounds(day.plan.local_date, tz)
    day.now_s = max(0.0, translate.seconds_since(now, epoch))
    by_id = {c.id: c for c in day.claims} | queries.claims_on_road(day.base)
    day.claims = sorted(by_id.values(), key=lambda c: c.id)
    done_stops = queries.done_visits(day.base)
    day.done = frozenset((f"c{claim_id}", kind) for claim_id, kind in done_stops)
    # When they really happened (the driver's tap on arriving, else on finishing): the ride limit counts
    # from the real pickup, and nothing is planned as if it could still move.
    day.done_times = {(f"c{claim_id}", kind): float(round(translate.seconds_since(stop.arrived_at or stop.completed_at,
                                                                                   epoch)))
                      for (claim_id, kind), stop in done_stops.items() if stop.arrived_at or stop.completed_at}
    # A driver who dropped out keeps the route's done part (the food on board is theirs), and only that.
    carrying = {stop.route.shift for stop in done_stops.values()}
    day.finish_only = _started_by_dropped_out(done_stops, day.shifts)
    day.shifts = day.shifts + [s for s in carrying if s not in day.shifts]


def _started_by_dropped_out(done_stops: dict[tuple[int, str], Stop], shifts: list[DriverShift]) -> dict[int, set[int]]:
    """Shifts no longer driving (cover asked, cancelled, not ready) whose route has stops done: shift id -> the
    claims started on it. Their food on board must still be delivered, by them, and nothing more."""
    available = {shift.id for shift in shifts}
    started: dict[int, set[int]] = defaultdict(set)
    for (claim_id, _kind), stop in done_stops.items():
        if stop.route.shift_id not in available:
            started[stop.route.shift_id].add(claim_id)
    return dict(started)


def _solve_params(day: _Day, built: Built, num_workers: int) -> routing.SolveParams:
    """Step 2: the solve's parameters from the plan's (a warm start from the base's solution when it has one)."""
    params = day.plan.params or {}
    return routing.SolveParams(time_limit_s=float(params.get("time_limit_s", queries.DEFAULT_TIME_LIMIT_S)),
                               deterministic=bool(params.get("deterministic")),
                               num_workers=1 if params.get("deterministic") else num_workers,
                               previous=translate.usable_previous(day.previous, built) if day.previous else None,
                               done=day.done if day.previous else frozenset(), now_s=day.now_s,
                               done_times=day.done_times if day.previous else {})


def _zones(day: _Day, built: Built, params: routing.SolveParams) -> int:
    """How many zones to solve in: a re-plan, a pinned request or a warm start is solved whole."""
    if day.pins or params.previous or day.done:
        return 1
    return zone_count((day.plan.params or {}).get("zones"), len(built.problem.requests))


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


def _enforce_food_safety(session: Session, tz: dt.tzinfo, day: _Day, built: Built, parts: _Parts,
                         params: routing.SolveParams, solving: _Solving) -> tuple[Built, routing.Solution, int]:
    """Step 3: no food rides longer than its limit on the vehicle that actually carries it.

    The problem gives each request the limit of the most permissive vehicle that may carry it; the one that
    took it may keep food safe for less time. Those requests are held to the strictest limit and solved again
    (a zoned day: only the zones holding them); any still over are left out and the rest solved once more.
    Returns the problem and the solution to save, and how many requests were over at first.
    """
    solution = parts.solution
    unsafe = food_safety_violations(built, solution, day.policy)
    resolved = len(unsafe)
    if not unsafe:
        return built, solution, resolved
    log.info("plan %s: %d requests over their food-safety time; re-solving", day.plan.id, len(unsafe))
    built = day.build(session, tz, strict_ride=unsafe)
    # Half the budget again: the whole job stays within 1.5x the time limit.
    # Warm-started from the first answer, so the rest of the plan keeps its quality.
    parts = _resolve(parts, built.problem, _again(params, solution, unsafe, day.done, 2), unsafe, solving)
    solution = parts.solution
    unsafe = food_safety_violations(built, solution, day.policy) - {rid for rid, _kind in day.done}
    if unsafe:
        # Still over on the vehicle it got: leave it out and solve the rest once more, briefly, so the
        # saved routes stay consistent (times, loads) and the validator can check them.
        left_out = [c for c in day.claims if f"c{c.id}" in unsafe]
        built = day.build(session, tz, claims=[c for c in day.claims if f"c{c.id}" not in unsafe],
                          strict_ride=unsafe)
        parts = _resolve(parts, built.problem, _again(params, solution, unsafe, day.done, 4), unsafe, solving)
        solution = parts.solution
        built.skipped.extend((claim, "food_safety") for claim in left_out)
    return built, solution, resolved


def _again(params: routing.SolveParams, solution: routing.Solution, unsafe: set[str],
           done: frozenset[tuple[str, str]], share: int) -> routing.SolveParams:
    """A food-safety re-solve's parameters: 1/``share`` of the time limit (at least 1 s), warm-started from
    ``solution`` without the ``unsafe`` requests (a re-plan keeps its own warm start: its done visits are fixed)."""
    return dataclasses.replace(params, time_limit_s=max(1.0, params.time_limit_s / share),
                               previous=translate.drop_unsafe(solution, unsafe) if not done else params.previous)


def _save(session: Session, day: _Day, built: Built, solution: routing.Solution, params: routing.SolveParams,
          started: float, now: dt.datetime, resolved: int, zones: int) -> None:
    """Step 4: validate, save the routes, stops and drops, and the plan's figures and words; the plan is READY.
    ``started``: the monotonic clock when solving began; ``resolved``: requests re-solved for food safety;
    ``zones``: how many zones the day was solved in."""
    plan = day.plan
    violations = routing.validate(built.problem, solution, done=params.done)
    translate.save(session, plan, built, solution, day.policy, day.base)
    elapsed = time.monotonic() - started
    plan.figures = translate.figures(built, solution) | {"solve_s": round(elapsed, 2), "valid": not violations,
                                                         "food_safety_resolved": resolved, "zones": zones,
                                                         "violations": [str(v) for v in violations[:5]]}
    plan.solution = solution.to_dict()
    plan.status, plan.progress_pct, plan.solved_at = PlanStatus.READY, 100, now
    plan.travel = day.travel.kind
    if day.travel.error:
        plan.figures = plan.figures | {"travel_error": day.travel.error[:500]}
    plan.message = (f"Planned in {elapsed:.1f} s: {plan.figures['served']} of {plan.figures['requests']} requests "
                    f"on {plan.figures['vehicles_used']} routes. {travel_times.words(day.travel.kind, day.travel.error)}")
    _say_who_was_not_planned(session, plan, built, day.done)
    session.flush()


def _say_who_was_not_planned(session: Session, plan: RoutePlan, built: Built,
                             done: frozenset[tuple[str, str]]) -> None:
    """Add to the plan's figures and message the drivers left out (not ready to drive) and those only finishing
    what they started."""
    screened = readiness.screen_shifts(session, queries.list_available_shifts(session, plan.local_date,
                                                                              screened=False), plan.local_date)
    if screened.left_out:
        plan.figures = plan.figures | {"left_out": readiness.left_out_words(screened)}
        plan.message += " Left out: " + "; ".join(f"{r['driver']} ({r['reason']})"
                                                  for r in plan.figures["left_out"]) + "."
    if built.finish_only:
        plan.figures = plan.figures | {"finishing_only": translate.finishing_words(built, done)}
        plan.message += " Dropped out, only finishing what they started (no new pickups): " + "; ".join(
            f"{w['driver']} ({w['requests']} started, {w['kg_on_board']:g} kg on board)"
            for w in plan.figures["finishing_only"]) + "."


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
        "travel": plan.travel, "travel_error": figures.get("travel_error"),
    }
