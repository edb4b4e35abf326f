"""Planning around what drivers can do: a shift's maximum number of stops, a driver who drops out
during the day finishing only what they already started, and re-plans keeping done stops at their real times."""
from __future__ import annotations

import datetime as dt

from coalition.models.route_plan import FoodSafetyRule, PlanStatus, StopKind, StopStatus
from coalition.models.shift import ColdChain, ShiftStatus
from coalition.services import driving
from coalition.services.planning import edits, run
from tests.fixtures.planning import add_shift, plan_now


def test_a_driver_with_max_stops_2_gets_at_most_2_stops_in_the_saved_plan(session, user, org, now, day):
    """One insulated driver could carry both claims (4 stops); at 2 stops one claim waits for another driver."""
    shift = add_shift(session, user, org, now, chain=ColdChain.INSULATED)
    shift.max_stops = 2
    plan = plan_now(session, user, day, now)
    assert plan.status is PlanStatus.READY and plan.figures["valid"]
    [route] = plan.routes
    assert len(route.stops) == 2 and len({s.claim_id for s in route.stops}) == 1
    [drop] = plan.drops
    assert drop.reason == "not_enough_drivers" and drop.claim_id not in {s.claim_id for s in route.stops}
    assert plan.figures["served"] == 1


def test_a_driver_who_drops_out_with_food_on_board_only_finishes_it(session, user, org, now, day):
    """Driver A picked up one claim, then asked for cover. The re-plan keeps its delivery on A's route but gives
    the other claim, still at the same donor, to driver B, though A is on the road already (one vehicle fewer)."""
    add_shift(session, user, org, now)
    add_shift(session, user, org, now, email="driver1@example.org")
    coordinator = user("coordinator@example.org")
    plan = plan_now(session, user, day, now)
    edits.publish_plan(session, coordinator, plan, now, day["tz"])
    [route] = plan.routes                       # both claims on one route: fewest drivers first
    first = route.stops[0]
    assert first.kind is StopKind.PICKUP and len(route.stops) == 4
    picked_up = now + dt.timedelta(hours=1)     # the donation's pickup window opens
    first.status, first.completed_at = StopStatus.DONE, picked_up
    route.shift.status = ShiftStatus.COVER_REQUESTED
    dropped_out, started = route.shift_id, first.claim_id
    other = ({day["bread"].id, day["milk"].id} - {started}).pop()
    session.commit()

    replan = edits.start_replan(session, coordinator, day["tz"], picked_up, day["date"], time_limit_s=1,
                                deterministic=True)
    session.commit()
    result = run.run_plan(session, replan.id, day["tz"], picked_up + dt.timedelta(minutes=5))
    assert result.status is PlanStatus.READY and result.figures["served"] == 2
    assert result.figures["valid"], result.figures["violations"]
    routes = {r.shift_id: r for r in result.routes}
    assert [(s.claim_id, s.kind, s.status) for s in routes[dropped_out].stops] == [
        (started, StopKind.PICKUP, StopStatus.DONE), (started, StopKind.DELIVERY, StopStatus.PENDING)]
    [takeover] = [r for shift_id, r in routes.items() if shift_id != dropped_out]
    assert {s.claim_id for s in takeover.stops} == {other}
    kg = next(c for c in (day["bread"], day["milk"]) if c.id == started).quantity_g / 1000
    assert result.figures["finishing_only"] == [{"driver": route.shift.driver.display_name, "shift_id": dropped_out,
                                                 "requests": 1, "kg_on_board": kg}]
    assert f"{route.shift.driver.display_name} (1 started, {kg:g} kg on board)" in result.message


def test_a_re_plan_after_a_late_pickup_keeps_its_real_time_and_counts_the_ride_from_it(
        session, user, org, now, day):
    """The milk's pickup window closes 3 h from now; the driver took it 30 min after that. The re-plan keeps the
    pickup at the time it happened (not where the solver would like it) and delivers the milk within its
    food-safety time (60 min here) counted from that real pickup."""
    session.add(FoodSafetyRule(storage="refrigerated", cold_chain="insulated", max_minutes=60))
    shift = add_shift(session, user, org, now)
    coordinator = user("coordinator@example.org")
    plan = plan_now(session, user, day, now)
    edits.publish_plan(session, coordinator, plan, now, day["tz"])
    milk = day["milk"].id
    pickup = next(s for r in plan.routes for s in r.stops if (s.claim_id, s.kind) == (milk, StopKind.PICKUP))
    late = now + dt.timedelta(hours=3, minutes=30)
    driving.pick_up(session, shift.driver, pickup.id, "late-milk-pickup", late, {"kg": 10, "temperature_c": 3}, late)
    session.commit()

    replan = edits.start_replan(session, coordinator, day["tz"], late, day["date"], time_limit_s=1,
                                deterministic=True)
    session.commit()
    result = run.run_plan(session, replan.id, day["tz"], late + dt.timedelta(minutes=5))
    assert result.status is PlanStatus.READY and result.figures["valid"], result.figures["violations"]
    stops = {(s.claim_id, s.kind): s for r in result.routes for s in r.stops}
    kept, delivery = stops[(milk, StopKind.PICKUP)], stops[(milk, StopKind.DELIVERY)]
    assert kept.status is StopStatus.DONE and kept.service_start_at == late
    assert kept.safe_until == delivery.safe_until == late + dt.timedelta(minutes=60)
    assert late + dt.timedelta(minutes=5) <= delivery.service_start_at <= late + dt.timedelta(minutes=60)
