"""Planning around what drivers can do: a shift's maximum number of stops, and a driver who drops out
during the day finishing only what they already started."""
from __future__ import annotations

from coalition.models.route_plan import PlanStatus
from coalition.models.shift import ColdChain
from tests.app.test_planning import add_shift, day, plan_now  # noqa: F401  (day is a fixture)


def test_a_driver_with_max_stops_2_gets_at_most_2_stops_in_the_saved_plan(session, user, org, now, day):  # noqa: F811
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
