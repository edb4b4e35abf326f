"""Scale-out by zones: every request in exactly one zone, the fleet shared out, zone answers merged."""
from __future__ import annotations

import routing
from coalition.services import zoning


def _request(rid, lat, lon):
    return routing.Request(rid, "pickup_delivery", pickup=routing.StopSpec(routing.Location(lat, lon)),
                           delivery=routing.StopSpec(routing.Location(lat + 0.01, lon + 0.01)), load={"g": 1})


def test_two_far_apart_neighbourhoods_become_two_zones_with_their_nearest_drivers():
    north = [_request(f"n{i}", 45.60 + i * 0.001, -122.68) for i in range(4)]
    south = [_request(f"s{i}", 45.45 + i * 0.001, -122.68) for i in range(4)]
    vehicles = [routing.Vehicle(f"v{i}", start=routing.Location(lat, -122.68), capacity={"g": 100})
                for i, lat in enumerate((45.61, 45.46, 45.59, 45.44))]
    zones = zoning.split(routing.Problem(requests=tuple(north + south), vehicles=tuple(vehicles)), 2)
    assert len(zones) == 2
    ids = [{r.id for r in z.requests} for z in zones]
    assert sorted(ids, key=sorted) == [{r.id for r in north}, {r.id for r in south}]
    for zone in zones:
        northern = zone.requests[0].id.startswith("n")
        assert all((v.start.lat > 45.5) == northern for v in zone.vehicles) and len(zone.vehicles) == 2
    solutions = [routing.solve(z, routing.SolveParams(time_limit_s=1, deterministic=True)) for z in zones]
    merged = zoning.merge(solutions)
    served = {v.request_id for r in merged.routes for v in r.visits}
    assert served == {r.id for r in north + south}
    assert not routing.validate(routing.Problem(requests=tuple(north + south), vehicles=tuple(vehicles)), merged)


# --- zones in the app: the planning service, the job, the CLI and the page --------------------------------

import datetime as dt  # noqa: E402
import json  # noqa: E402

from sqlalchemy import select  # noqa: E402

from coalition.models.route_plan import PlanDrop, PlanStatus, Route, RoutePlan, Stop  # noqa: E402
from coalition.services import claims  # noqa: E402
from coalition.services.planning import run  # noqa: E402
from tests.fixtures.planning import add_shift  # noqa: E402


def _two_neighbourhood_day(app, session, make_donation, org, user, now):
    """Six requests: three picked up at the grocer (south-east), three at the farm on Sauvie Island (north-west);
    two drivers."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(app.config["COALITION_TIMEZONE"])
    coordinator = user("coordinator@example.org")
    start, end = now + dt.timedelta(hours=1), now + dt.timedelta(hours=7)
    made = []
    for donor, actor, category in (("Hawthorne Green Grocer", "grocer@example.org", "bakery"),
                                   ("Sauvie Island Growers", "farmer@example.org", "produce")):
        for recipient in ("Old Town Night Shelter", "Columbia Regional Food Bank", "Old Town Night Shelter"):
            donation = make_donation(kg=5, category=category, donor=donor, actor=actor)
            made.append(claims.claim_line(session, coordinator, donation.lines[0].id, org(recipient), None,
                                          start, end, now))
    add_shift(session, user, org, now, email="driver@example.org")
    add_shift(session, user, org, now, email="coordinator@example.org")
    session.commit()   # a savepoint in tests: the requests' own sessions see it
    return tz, (now + dt.timedelta(hours=2)).astimezone(tz).date(), {c.id for c in made}


def _claims_on_plan(session, plan_id):
    served = [cid for cid, in session.execute(select(Stop.claim_id).join(Route).where(Route.plan_id == plan_id))]
    dropped = [cid for cid, in session.execute(select(PlanDrop.claim_id).where(PlanDrop.plan_id == plan_id))]
    return served, dropped


def test_a_day_split_into_two_zones_is_one_valid_merged_plan_with_each_request_once(
        app, session, make_donation, org, user, now):
    """Issue 5 scale-out: zones solved separately and merged into ONE plan the validator accepts; every request
    is in exactly one route (its pickup and delivery) or in the drops, never in both zones."""
    tz, local_date, claim_ids = _two_neighbourhood_day(app, session, make_donation, org, user, now)
    started = run.start_plan(session, user("coordinator@example.org"), local_date, tz, now, time_limit_s=1,
                             deterministic=True, zones=2)
    session.commit()
    solved_zones = []

    def solver(problems, params):
        solved_zones.append(sorted(r.id for p in problems for r in p.requests))
        return run.solve_zones_inline(problems, params)

    plan = run.run_plan(session, started.id, tz, now, zone_solver=solver)
    assert len(solved_zones) == 1 and solved_zones[0] == sorted(f"c{i}" for i in claim_ids)   # split, each once
    assert plan.status is PlanStatus.READY and plan.figures["zones"] == 2 and plan.figures["valid"] is True
    served, dropped = _claims_on_plan(session, plan.id)
    assert all(served.count(c) == 2 for c in set(served))           # a pickup and a delivery, on one route
    assert not set(served) & set(dropped) and set(served) | set(dropped) == claim_ids
    assert len(dropped) == len(set(dropped))
    assert run.plan_summary(plan)["zones"] == 2


def test_zones_are_automatic_one_per_300_requests_and_never_smaller_than_two_requests():
    assert run.zone_count(None, 150) == 1 and run.zone_count(0, 301) == 2
    assert run.zone_count(None, 2000) == 7 and run.zone_count(4, 2000) == 4
    assert run.zone_count(3, 4) == 2 and run.zone_count(2, 1) == 1


def test_flask_routes_plan_accepts_zones_and_reports_a_valid_merged_plan(app, session, make_donation, org, user, now):
    _tz, local_date, claim_ids = _two_neighbourhood_day(app, session, make_donation, org, user, now)
    result = app.test_cli_runner().invoke(args=["routes", "plan", "--date", local_date.isoformat(), "--json",
                                                "--time-limit", "1", "--deterministic", "--zones", "2"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["zones"] == 2 and data["valid"] is True and data["requests"] == len(claim_ids)
    assert data["served"] + len(data["dropped"]) == len(claim_ids)
    bad = app.test_cli_runner().invoke(args=["routes", "plan", "--date", local_date.isoformat(), "--zones", "0"])
    assert bad.exit_code != 0 and "--zones" in bad.output


def test_the_planning_page_takes_a_zone_count_and_refuses_a_silly_one(app, session, make_donation, org, user, now,
                                                                      client, login_as, post_form):
    _tz, local_date, _ids = _two_neighbourhood_day(app, session, make_donation, org, user, now)
    login_as("coordinator")
    page_url = f"/planning/?date={local_date.isoformat()}"
    page = client.get(page_url)
    assert b'name="zones"' in page.data and b'for="zones"' in page.data
    bad = post_form("/planning/plan", {"date": local_date.isoformat(), "zones": "99", "time_limit": "1"}, page_url)
    assert bad.status_code == 422 and b"Between 1 and 16 zones." in bad.data
    good = post_form("/planning/plan", {"date": local_date.isoformat(), "zones": "2", "time_limit": "1"}, page_url)
    assert good.status_code == 302, good.get_data(as_text=True)[-3000:]
    plan = session.scalar(select(RoutePlan).order_by(RoutePlan.id.desc()).limit(1))
    assert plan.params["zones"] == 2 and plan.figures["zones"] == 2 and plan.figures["valid"] is True


def test_with_redis_zones_are_solved_as_parallel_jobs_on_rq_workers(app, redis_queue, monkeypatch):
    """jobs.solve_zones puts one job per zone on RQ; two real `rq worker` processes take them; merged valid."""
    import os
    import subprocess
    import sys

    from coalition import jobs
    from tests.fixtures.redis import REDIS_URL

    north = [_request(f"n{i}", 45.60 + i * 0.001, -122.68) for i in range(4)]
    south = [_request(f"s{i}", 45.45 + i * 0.001, -122.68) for i in range(4)]
    vehicles = tuple(routing.Vehicle(f"v{i}", start=routing.Location(lat, -122.68), capacity={"g": 100})
                     for i, lat in enumerate((45.61, 45.46)))
    problem = routing.Problem(requests=tuple(north + south), vehicles=vehicles)
    zones = zoning.split(problem, 2)
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    workers, real_enqueue, queued = [], jobs.enqueue, []

    def enqueue_then_start_workers(*args, **kwargs):
        queued.append(real_enqueue(*args, **kwargs))
        if len(queued) == len(zones):   # burst workers: start them once every zone is on the queue
            workers.extend(subprocess.Popen([sys.executable, "-m", "rq.cli", "worker", "--burst", "--url", REDIS_URL,
                                             "--quiet", redis_queue.name], env=env) for _ in range(2))
        return queued[-1]

    monkeypatch.setattr(jobs, "enqueue", enqueue_then_start_workers)
    try:
        with app.app_context():
            solutions = jobs.solve_zones(zones, routing.SolveParams(time_limit_s=1, deterministic=True),
                                         queue_name=redis_queue.name, redis_url=REDIS_URL)
    finally:
        for worker in workers:
            try:
                # Both jobs are done once solve_zones returns (asserted below); a burst worker has been seen to
                # stay on for a minute after, so it gets a few seconds to leave, then is stopped: never leaked.
                worker.wait(timeout=5)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
    assert len(queued) == 2 and all(job.is_finished for job in queued)   # run by the workers, not here
    merged = zoning.merge(solutions)
    assert {v.request_id for r in merged.routes for v in r.visits} == {r.id for r in north + south}
    assert not routing.validate(problem, merged)


def test_a_food_safety_re_solve_of_a_zoned_day_solves_again_only_the_zone_holding_the_request(
        app, session, make_donation, org, user, now, monkeypatch):
    """A request over its food-safety time on a zoned day: its zone alone is solved again through the zone
    solver (strictly, then without it), warm-started from that zone's own answer; the other zone's routes stay
    as first solved, no transaction is open during any solve, and the merged plan is valid."""
    import routing as routing_package
    from coalition import jobs
    from coalition.extensions import db

    tz, local_date, _claim_ids = _two_neighbourhood_day(app, session, make_donation, org, user, now)
    add_shift(session, user, org, now, email="driver1@example.org")   # a ready driver for each zone
    plan_id = run.start_plan(session, user("coordinator@example.org"), local_date, tz, now, time_limit_s=1,
                             deterministic=True, zones=2).id
    session.commit()
    zone_calls, answers, solves, flagged = [], [], [], []
    real_zones, real_solve, real_check = jobs.solve_zones, routing_package.solve, run.food_safety_violations

    def solve_zones(problems, params, **kwargs):
        zone_calls.append(([{r.id for r in p.requests} for p in problems], params.previous is not None))
        answers.append(real_zones(problems, params, **kwargs))
        return answers[-1]

    def solve(problem, params=None):
        warm = params.previous and ({v.request_id for r in params.previous.routes for v in r.visits}
                                    | {d.request_id for d in params.previous.dropped})
        solves.append((db.session().in_transaction(), {r.id for r in problem.requests}, warm))
        return real_solve(problem, params)

    def check(built, solution, policy):   # the real check, with one request served at first over its time
        served = {v.request_id for r in solution.routes for v in r.visits}
        flagged[:] = flagged or [min(served)]
        return real_check(built, solution, policy) | (set(flagged) & served)

    monkeypatch.setattr(jobs, "solve_zones", solve_zones)
    monkeypatch.setattr(routing_package, "solve", solve)
    monkeypatch.setattr(run, "food_safety_violations", check)
    with app.app_context():
        summary = jobs.plan_job(plan_id)
    assert summary["status"] == "ready" and summary["valid"] and summary["zones"] == 2
    first, strict, without = zone_calls
    assert len(first[0]) == 2 and not first[1]
    [flagged] = flagged
    zone = next(ids for ids in first[0] if flagged in ids)
    other = next(ids for ids in first[0] if flagged not in ids)
    assert strict == ([zone], True) and without == ([zone - {flagged}], True)   # only its zone, warm-started
    assert [s[0] for s in solves] == [False] * 4                                  # 2 zones, then 2 re-solves
    assert all(warm <= ids for _open, ids, warm in solves[2:])                    # the zone's own warm start
    plan = session.get(RoutePlan, plan_id)
    untouched = next(a for a, ids in zip(answers[0], first[0]) if ids == other)
    kept = [(r["vehicle_id"], [(v["request_id"], v["kind"]) for v in r["visits"]]) for r in plan.solution["routes"]
            if {v["request_id"] for v in r["visits"]} <= other]
    assert kept and kept == [(r.vehicle_id, [(v.request_id, v.kind) for v in r.visits]) for r in untouched.routes
                             if r.visits]
    [drop] = [d for d in summary["dropped"] if d["claim_id"] == int(flagged[1:])]
    assert "food-safety time" in drop["message"]
