"""Planning the day's routes: which claims go in, the problem built, the job (inline, RQ, crashed), review
edits, publishing, re-planning around done stops, the CLI and the demo's busy day."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

import routing
from coalition import jobs
from coalition.models import Claim, ClaimStatus, Notification
from coalition.models.route_plan import PlanStatus, RoutePlan, Stop, StopKind, StopStatus
from coalition.models.shift import ColdChain
from coalition.services import claims, food_safety
from coalition.services.planning import edits, queries, run, translate
from tests.fixtures.planning import LA, add_shift, plan_now
from tests.fixtures.redis import REDIS_URL


def test_the_day_holds_claims_whose_pickup_falls_on_it_and_the_problem_mirrors_them(session, user, org, now, day):
    """Each claim is a pickup-and-delivery request: donor -> recipient, both windows, grams, value, ride limit."""
    shift = add_shift(session, user, org, now)
    included = queries.list_plannable_claims(session, day["date"], day["tz"])
    assert {c.id for c in included} == {day["bread"].id, day["milk"].id}
    assert not queries.list_plannable_claims(session, day["date"] + dt.timedelta(days=3), day["tz"])
    built = translate.build_problem(session, included, [shift], day["date"], day["tz"], food_safety.load_policy(session))
    bread = built.problem.request(f"c{day['bread'].id}")
    milk = built.problem.request(f"c{day['milk'].id}")
    assert bread.load == {"g": 20_000} and milk.load == {"g": 10_000}
    assert bread.storage_class == "ambient" and bread.max_ride_s == 8 * 3600
    assert milk.max_ride_s == 4 * 3600   # insulated is the most permissive vehicle of the day for milk
    assert bread.value == 40 and milk.value == 25   # kg x perishability
    grocer = org("Hawthorne Green Grocer")
    assert (bread.pickup.location.lat, bread.pickup.location.lon) == (grocer.latitude, grocer.longitude)
    epoch = built.epoch
    assert bread.pickup.windows[0].start_s == (day["bread"].line.donation.pickup_start - epoch).total_seconds()
    assert built.problem.vehicles[0].capacity["g"] == 200_000 and built.problem.vehicles[0].end is None


def test_a_solved_plan_saves_routes_stops_with_safe_until_and_drops_with_reasons(session, user, org, now, day):
    """With only a car without cold chain, the milk cannot go (storage class) and the bread is served."""
    add_shift(session, user, org, now, chain=ColdChain.NONE)
    plan = plan_now(session, user, day, now)
    assert plan.status is PlanStatus.READY and plan.figures["valid"]
    assert plan.figures["requests"] == 2 and plan.figures["served"] == 1 and plan.figures["kg_moved"] == 20
    assert plan.figures["share_served"] == pytest.approx(20 / 30, abs=0.001)
    [route] = plan.routes
    assert [(s.kind, s.claim_id) for s in route.stops] == [(StopKind.PICKUP, day["bread"].id),
                                                            (StopKind.DELIVERY, day["bread"].id)]
    pickup, delivery = route.stops
    assert delivery.safe_until == min(pickup.service_start_at + dt.timedelta(hours=8), day["bread"].line.use_by)
    assert pickup.load_after_g == 20_000 and delivery.load_after_g == 0
    [drop] = plan.drops
    assert drop.claim_id == day["milk"].id and drop.reason == "storage_class"
    assert drop.message == "no available vehicle can carry refrigerated food"


def test_a_day_without_shifts_or_claims_says_so(session, user, day):
    with pytest.raises(Exception) as error:
        run.start_plan(session, user("coordinator@example.org"), day["date"], day["tz"],
                       dt.datetime.now(dt.timezone.utc))
    assert "No driver has posted a shift" in error.value.message
    with pytest.raises(Exception) as error:
        run.start_plan(session, user("coordinator@example.org"), day["date"] + dt.timedelta(days=5), day["tz"],
                       dt.datetime.now(dt.timezone.utc))
    assert "nothing to plan" in error.value.message


def test_only_the_backbone_plans(session, user, org, now, day):
    add_shift(session, user, org, now)
    with pytest.raises(Exception) as error:
        run.start_plan(session, user("shelter@example.org"), day["date"], day["tz"], now)
    assert error.value.status_code == 403


def test_the_job_runs_in_process_and_a_crash_leaves_the_previous_plan(app, session, user, org, now, day, monkeypatch):
    """plan_job solves and commits; when the solver blows up the new plan is FAILED with the error in words."""
    add_shift(session, user, org, now)
    first = run.start_plan(session, user("coordinator@example.org"), day["date"], day["tz"], now,
                           time_limit_s=1, deterministic=True)
    session.commit()
    first_id = first.id
    with app.app_context():
        summary = jobs.start_plan_job(first)
    assert summary["status"] == "ready" and summary["served"] == 2 and summary["valid"]

    def broken(*_args, **_kwargs):
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(routing, "solve", broken)
    second_id = run.start_plan(session, user("coordinator@example.org"), day["date"], day["tz"], now,
                               time_limit_s=1, deterministic=True).id
    session.commit()
    with app.app_context():
        assert jobs.plan_job(second_id)["status"] == "failed"
    session.expire_all()
    assert session.get(RoutePlan, second_id).status is PlanStatus.FAILED
    assert "solver exploded" in session.get(RoutePlan, second_id).message
    assert not session.get(RoutePlan, second_id).routes
    kept = session.get(RoutePlan, first_id)
    assert kept.status is PlanStatus.READY and len(kept.routes) == 1


def test_a_plan_solving_for_too_long_was_killed_and_says_so(session, user, org, now, day):
    add_shift(session, user, org, now)
    plan = run.start_plan(session, user("coordinator@example.org"), day["date"], day["tz"], now, time_limit_s=1)
    assert queries.plan_status(plan, now)["status"] == "solving"
    later = now + dt.timedelta(minutes=10)
    status = queries.plan_status(plan, later)
    assert status["status"] == "failed" and "stopped without finishing" in status["message"]


def test_with_redis_the_plan_job_runs_on_an_rq_worker(app, session, user, org, now, day, redis_queue):
    from rq import SimpleWorker

    add_shift(session, user, org, now)
    plan = run.start_plan(session, user("coordinator@example.org"), day["date"], day["tz"], now,
                          time_limit_s=1, deterministic=True)
    session.commit()
    plan_id = plan.id
    with app.app_context():
        job = jobs.start_plan_job(plan, redis_url=REDIS_URL, queue_name=redis_queue.name)
    assert session.get(RoutePlan, plan_id).status is PlanStatus.SOLVING
    with app.app_context():
        assert SimpleWorker([redis_queue], connection=redis_queue.connection).work(burst=True)
    job.refresh()
    assert job.is_finished, job.latest_result()
    assert job.return_value()["served"] == 2
    session.expire_all()
    assert session.get(RoutePlan, plan_id).status is PlanStatus.READY


def test_publishing_schedules_claims_and_tells_driver_donor_and_recipient(session, user, org, now, day):
    add_shift(session, user, org, now)
    plan = plan_now(session, user, day, now)
    before = session.scalar(select(func.count()).select_from(Notification))
    counts = edits.publish_plan(session, user("coordinator@example.org"), plan, now, day["tz"])
    assert plan.status is PlanStatus.PUBLISHED and counts["drivers"] == 1 and counts["claims"] == 2
    assert session.get(Claim, day["bread"].id).status is ClaimStatus.SCHEDULED
    titles = [n.title for n in session.scalars(select(Notification).order_by(Notification.id))][before:]
    driver_id = user("driver@example.org").id
    assert any(n.user_id == driver_id and "Your route" in n.title for n in session.scalars(select(Notification)))
    assert any(t.startswith("Pickup at") for t in titles) and any(t.startswith("Delivery at") for t in titles)
    # A newer plan published for the day supersedes this one.
    again = plan_now(session, user, day, now)
    edits.publish_plan(session, user("coordinator@example.org"), again, now, day["tz"])
    assert plan.status is PlanStatus.SUPERSEDED and again.status is PlanStatus.PUBLISHED


def test_a_moved_request_is_locked_to_its_new_route_after_re_solving(session, user, org, now, day):
    """Two drivers: the coordinator moves the bread to the route of the one that didn't get it."""
    add_shift(session, user, org, now)
    add_shift(session, user, org, now, email="driver1@example.org")
    plan = plan_now(session, user, day, now)
    bread_route = next(r for r in plan.routes for s in r.stops if s.claim_id == day["bread"].id)
    other_shift = next(s for s in queries.list_available_shifts(session, day["date"]) if s.id != bread_route.shift_id)
    target = next((r for r in plan.routes if r.shift_id == other_shift.id), None)
    if target is None:   # one route carries both: move the milk's... route does not exist; pin to the same route
        target = bread_route
    moved = edits.move_request(session, user("coordinator@example.org"), plan, day["bread"].id, target.id, now)
    session.commit()
    solved = run.run_plan(session, moved.id, day["tz"], now)
    stops = [s for r in solved.routes for s in r.stops if s.claim_id == day["bread"].id]
    assert {s.route.shift_id for s in stops} == {target.shift_id} and all(s.locked for s in stops)
    assert solved.based_on_id == plan.id and solved.figures["valid"]


def test_re_planning_keeps_a_done_stop_on_its_route(session, user, org, now, day):
    add_shift(session, user, org, now)
    add_shift(session, user, org, now, email="driver1@example.org")
    plan = plan_now(session, user, day, now)
    edits.publish_plan(session, user("coordinator@example.org"), plan, now, day["tz"])
    first = next(s for r in plan.routes for s in r.stops if s.position == 0)
    first.status, first.completed_at = StopStatus.DONE, now
    session.commit()
    replan = edits.start_replan(session, user("coordinator@example.org"), day["tz"], now, day["date"],
                                time_limit_s=1, deterministic=True)
    session.commit()
    later = now + dt.timedelta(minutes=5)
    result = run.run_plan(session, replan.id, day["tz"], later)
    kept = next(s for r in result.routes for s in r.stops if s.claim_id == first.claim_id and s.kind is first.kind)
    assert kept.status is StopStatus.DONE and kept.position == 0 and kept.route.shift_id == first.route.shift_id
    assert result.figures["served"] == 2


def test_flask_routes_plan_json_reports_the_saved_plan(app, session, user, org, now, day):
    add_shift(session, user, org, now)
    result = app.test_cli_runner().invoke(args=["routes", "plan", "--date", day["date"].isoformat(), "--json",
                                                "--time-limit", "1", "--deterministic"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["requests"] == 2 and data["served"] == 2 and data["dropped"] == [] and data["vehicles_used"] == 1
    assert data["valid"] is True and data["distance_km"] > 0 and data["duration_s"] > 0


def test_flask_routes_plan_says_when_there_is_nothing_to_plan(app):
    result = app.test_cli_runner().invoke(args=["routes", "plan", "--date", "2001-01-01"])
    assert result.exit_code != 0 and "nothing to plan" in result.output


def test_the_demo_busy_day_has_150_claims_and_20_shifts_once(session, now):
    from coalition.services import demo

    busy = demo.load_busy_day(session, now, LA)
    assert busy.claims >= 150 and busy.shifts == 20
    assert len(queries.list_plannable_claims(session, busy.day, LA)) == busy.claims
    assert len(queries.list_available_shifts(session, busy.day)) == 20
    assert demo.load_busy_day(session, now, LA).skipped


def test_food_over_its_safe_time_on_the_assigned_vehicle_is_re_solved_strictly_then_dropped(
        session, user, org, now, day, monkeypatch):
    """The check after solving: a request still over its limit after the strict re-solve is dropped, saying why."""
    add_shift(session, user, org, now)
    milk = f"c{day['milk'].id}"
    strict_calls = []
    real_build = translate.build_problem

    def build(*args, **kwargs):
        strict = args[8] if len(args) > 8 else kwargs.get("strict_ride")
        if strict:
            strict_calls.append(strict)
        return real_build(*args, **kwargs)

    monkeypatch.setattr(translate, "build_problem", build)
    monkeypatch.setattr(run, "food_safety_violations", lambda built, solution, policy:
                        {milk} & {v.request_id for r in solution.routes for v in r.visits})
    plan = plan_now(session, user, day, now)
    assert strict_calls == [{milk}, {milk}]   # the strict re-solve, then the rest without it
    assert plan.figures["food_safety_resolved"] == 1 and plan.figures["served"] == 1
    [drop] = plan.drops
    assert drop.claim_id == day["milk"].id and "food-safety time" in drop.message
    assert plan.figures["valid"]


def test_the_job_holds_no_database_transaction_while_any_solve_runs(app, session, user, org, now, day, monkeypatch):
    """SQLite takes its write lock when a transaction begins (even to read), so a transaction open during a solve
    locks every other request out for seconds. The job ends its transaction before the first solve and before
    each food-safety re-solve (the milk over its time: the strict re-solve, then the rest without it)."""
    from coalition.extensions import db

    add_shift(session, user, org, now)
    milk_id = day["milk"].id
    milk = f"c{milk_id}"
    real_check, real_solve, open_during_solve, checks_reopened = run.food_safety_violations, routing.solve, [], []

    def check(built, solution, policy):   # the real check (it reads the claims and shifts), with the milk over
        opened = db.session().in_transaction()
        late = real_check(built, solution, policy)
        # The job's commit keeps what it loaded: reading it again would re-open the transaction, a query a row.
        checks_reopened.append(db.session().in_transaction() and not opened)
        return late | ({milk} & {v.request_id for r in solution.routes for v in r.visits})

    def solve(problem, params=None):
        open_during_solve.append(db.session().in_transaction())
        return real_solve(problem, params)

    monkeypatch.setattr(run, "food_safety_violations", check)
    monkeypatch.setattr(routing, "solve", solve)
    plan_id = run.start_plan(session, user("coordinator@example.org"), day["date"], day["tz"], now,
                             time_limit_s=1, deterministic=True).id
    session.commit()
    with app.app_context():
        summary = jobs.plan_job(plan_id)
    assert summary["status"] == "ready" and summary["valid"] and summary["served"] == 1
    assert open_during_solve == [False, False, False]
    assert checks_reopened == [False, False]
    assert [d["claim_id"] for d in summary["dropped"]] == [milk_id]
