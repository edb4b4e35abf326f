"""Road travel times: plans on a real OSRM server over Monaco's roads (marked ``osrm``), and the fallback to
straight-line estimates, said everywhere, when the road server cannot be reached."""
from __future__ import annotations

import datetime as dt
import json
import urllib.request

import numpy as np
import pytest
from sqlalchemy import select

import routing
from coalition.models import Organization
from coalition.models.route_plan import PlanStatus, RoutePlan
from coalition.osrm import free_port
from coalition.services.planning import travel
from routing.matrix import OSRM_CACHE
from tests.fixtures import driving
from tests.fixtures.osrm import TEST_TABLE_SIZE
from tests.fixtures.planning import add_shift

# Places in Monaco, on or beside its streets: (lat, lon).
MONACO = [(43.7384, 7.4246), (43.7311, 7.4197), (43.7403, 7.4270), (43.7325, 7.4189), (43.7360, 7.4215),
          (43.7447, 7.4313), (43.7282, 7.4146), (43.7397, 7.4225), (43.7339, 7.4170), (43.7421, 7.4289),
          (43.7350, 7.4245), (43.7297, 7.4165), (43.7372, 7.4195), (43.7431, 7.4259)]


def _monaco_day(provider) -> routing.Problem:
    """Six donor-to-recipient requests and two vehicles from the harbour, all in Monaco."""
    loc = [routing.Location(lat, lon) for lat, lon in MONACO]
    requests = [routing.Request(f"r{i}", pickup=routing.StopSpec(loc[2 + 2 * i], service_s=120),
                                delivery=routing.StopSpec(loc[3 + 2 * i], service_s=120),
                                load={"kg": 20}, value=20) for i in range(6)]
    vehicles = [routing.Vehicle(f"v{k}", start=loc[k], end=loc[k], shift=routing.TimeWindow(0, 4 * 3600),
                                capacity={"kg": 80}) for k in range(2)]
    return routing.Problem(requests=requests, vehicles=vehicles, matrix=provider)


def _osrm_route(url: str, a: routing.Location, b: routing.Location) -> dict:
    """OSRM's own ``/route`` answer for one leg."""
    with urllib.request.urlopen(f"{url}/route/v1/driving/{a.lon},{a.lat};{b.lon},{b.lat}?overview=false",
                                timeout=10) as response:
        data = json.loads(response.read())
    assert data["code"] == "Ok", data
    return data["routes"][0]


@pytest.mark.osrm
def test_a_monaco_day_is_planned_on_the_roads_and_each_routes_km_are_osrms(osrm_url):
    """Road times are really used (one-way streets: A to B is not B to A), the validator passes on the road
    matrix, and each route's metres are what OSRM's /route gives for the same legs."""
    OSRM_CACHE.clear()
    problem = _monaco_day(routing.OsrmProvider(osrm_url, max_table_size=TEST_TABLE_SIZE))
    road = problem.travel()
    assert road.size == len(MONACO) > TEST_TABLE_SIZE          # fetched in several blocks within the table size
    asymmetric = np.abs(road.duration_s - road.duration_s.T) > 1
    assert asymmetric.any()
    straight = routing.HaversineProvider().matrix(problem.locations())
    assert not np.allclose(road.duration_s, straight.duration_s, rtol=0.05)

    solution = routing.solve(problem, routing.SolveParams(time_limit_s=2, deterministic=True))
    assert not solution.dropped
    assert routing.validate(problem, solution) == []
    for route in solution.routes:
        vehicle = problem.vehicle(route.vehicle_id)
        places = [vehicle.start]
        for visit in route.visits:
            request = problem.request(visit.request_id)
            places.append((request.pickup if visit.kind == "pickup" else request.delivery).location)
        places.append(vehicle.end)
        legs = [_osrm_route(osrm_url, a, b) for a, b in zip(places, places[1:]) if a != b]
        assert route.distance_m == pytest.approx(sum(leg["distance"] for leg in legs), abs=1.0 * len(legs))


@pytest.mark.osrm
def test_a_days_second_plan_asks_the_road_server_only_for_what_is_new(osrm_url):
    """A re-plan of the same places is served from the cache; a moved request asks only for its place."""
    OSRM_CACHE.clear()
    provider = routing.OsrmProvider(osrm_url, max_table_size=TEST_TABLE_SIZE)
    locations = _monaco_day(provider).locations()
    first = provider.matrix(locations)
    moved = locations[:-1] + [routing.Location(43.7330, 7.4230)]
    calls = []
    real = routing.OsrmProvider._fetch

    def counted(self, coords, src, dst):
        calls.append((len(src), len(dst)))
        return real(self, coords, src, dst)

    routing.OsrmProvider._fetch = counted
    try:
        again = routing.OsrmProvider(osrm_url, max_table_size=TEST_TABLE_SIZE).matrix(locations)
        assert calls == []
        after_move = routing.OsrmProvider(osrm_url, max_table_size=TEST_TABLE_SIZE).matrix(moved)
    finally:
        routing.OsrmProvider._fetch = real
    n = len(locations)
    assert sum(s * d for s, d in calls) == n + (n - 1)       # the new place's row, and its column
    assert (again.duration_s == first.duration_s).all()
    assert (after_move.duration_s[:-1, :-1] == first.duration_s[:-1, :-1]).all()


def _move_the_day_to_monaco(session, shift):
    """The demo coalition is in Portland; these tests put its places on Monaco's streets (rolled back after)."""
    for i, organization in enumerate(session.scalars(select(Organization).order_by(Organization.id))):
        if organization.latitude is not None:
            organization.latitude, organization.longitude = MONACO[i % len(MONACO)]
    shift.start_latitude, shift.start_longitude = MONACO[0]
    session.flush()


@pytest.mark.osrm
def test_with_a_road_server_configured_the_plan_is_on_road_times_and_says_so(
        app, session, user, org, now, day, osrm_url, monkeypatch):
    OSRM_CACHE.clear()
    _move_the_day_to_monaco(session, add_shift(session, user, org, now))
    session.commit()
    monkeypatch.setitem(app.config, "ROUTING_OSRM_URL", osrm_url)
    monkeypatch.setitem(app.config, "ROUTING_OSRM_TABLE_SIZE", TEST_TABLE_SIZE)
    result = app.test_cli_runner().invoke(args=["routes", "plan", "--date", day["date"].isoformat(), "--json",
                                                "--time-limit", "1", "--deterministic"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["travel"] == "osrm" and data["served"] == 2 and data["valid"] is True
    assert "road times (OSRM)" in data["message"]
    assert session.get(RoutePlan, data["plan_id"]).travel == "osrm"


def test_an_unreachable_road_server_falls_back_to_straight_lines_and_says_so_everywhere(
        app, session, user, org, now, day, monkeypatch, login_as):
    """OSRM down: the plan is still made (never a failed plan, never a 500), on straight lines, and the CLI's
    JSON, the plan page and the drivers' page say its times are estimates."""
    OSRM_CACHE.clear()
    add_shift(session, user, org, now)
    session.commit()
    monkeypatch.setitem(app.config, "ROUTING_OSRM_URL", f"http://127.0.0.1:{free_port()}")   # nothing listens
    monkeypatch.setitem(app.config, "ROUTING_OSRM_TIMEOUT_S", 2)
    result = app.test_cli_runner().invoke(args=["routes", "plan", "--date", day["date"].isoformat(), "--json",
                                                "--time-limit", "1", "--deterministic"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["status"] == "ready" and data["served"] == 2 and data["valid"] is True
    assert data["travel"] == "straight_line_fallback"
    assert "could not be reached" in data["message"] and "OSRM table request failed" in data["travel_error"]

    page = login_as("coordinator").get(f"/planning/plans/{data['plan_id']}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'data-travel="straight_line_fallback"' in text and "road server (OSRM) could not be reached" in text


def test_without_a_road_server_the_plan_page_labels_times_as_estimates_and_says_how_to_connect(
        session, user, org, now, day, login_as):
    from tests.fixtures.planning import plan_now

    add_shift(session, user, org, now)
    plan = plan_now(session, user, day, now)
    assert plan.travel == travel.STRAIGHT_LINE and "no road server configured" in plan.message
    plan_id = plan.id
    session.commit()
    text = login_as("coordinator").get(f"/planning/plans/{plan_id}").get_data(as_text=True)
    assert "Times are estimates" in text and "ROUTING_OSRM_URL" in text


@pytest.mark.parametrize("kind, estimate", [("straight_line_fallback", True), ("straight_line", True),
                                            ("osrm", False)])
def test_drivers_are_told_when_their_times_are_estimates(session, now, login_as, kind, estimate):
    claim = driving.make_claim(session, now, kg=10)
    route = driving.make_route(session, now, claims=[claim])
    route.plan.travel = kind
    session.commit()
    text = login_as("driver").get("/driver/").get_data(as_text=True)
    assert ("Times are estimates" in text) is estimate


def test_the_road_server_is_asked_once_for_the_whole_day_before_solving(monkeypatch):
    """The choice is made on the day's matrix; an error there is a fallback with its words, not an exception."""
    problem = _monaco_day(None)
    down = routing.OsrmProvider(f"http://127.0.0.1:{free_port()}", timeout_s=1)
    choice = travel.choose(problem, down)
    assert choice.kind == travel.FALLBACK and choice.provider is None and "OSRM" in choice.error
    assert travel.with_travel(problem, choice).matrix is None
    assert travel.choose(problem, None) == travel.Travel(travel.STRAIGHT_LINE)
    assert travel.osrm_provider({"ROUTING_OSRM_URL": ""}) is None
    assert travel.osrm_provider({"ROUTING_OSRM_URL": "http://x:5000", "ROUTING_OSRM_TABLE_SIZE": 50}).max_table_size == 50


def _offer_rescue(session, now):
    from coalition.services import rescues

    claim = driving.make_claim(session, now, kg=8)
    return claim, rescues.offer_rescue(session, driving.user(session, "coordinator@example.org"), [claim.id], "",
                                       driving.local_today(now), now)


@pytest.mark.osrm
def test_a_rescue_taken_with_a_road_server_is_timed_on_the_roads(session, now, osrm_url):
    from coalition.services import rescues

    OSRM_CACHE.clear()
    claim, rescue = _offer_rescue(session, now)
    donor, recipient = claim.line.donation.donor, claim.recipient
    (donor.latitude, donor.longitude), (recipient.latitude, recipient.longitude) = MONACO[0], MONACO[5]
    route = rescues.take_rescue(session, driving.user(session, "driver@example.org"), rescue.id, driving.ZONE, now,
                                osrm=routing.OsrmProvider(osrm_url))
    leg = _osrm_route(osrm_url, routing.Location(*MONACO[0]), routing.Location(*MONACO[5]))
    assert rescue.travel == "osrm"
    assert route.distance_m == pytest.approx(leg["distance"], abs=1)
    pickup, delivery = route.stops
    assert (delivery.arrival_at - pickup.departure_at).total_seconds() == pytest.approx(leg["duration"], abs=1)


def test_a_rescue_taken_while_the_road_server_is_down_is_estimated_and_says_so(session, now):
    from coalition.services import rescues

    claim, rescue = _offer_rescue(session, now)
    down = routing.OsrmProvider(f"http://127.0.0.1:{free_port()}", timeout_s=1)
    route = rescues.take_rescue(session, driving.user(session, "driver@example.org"), rescue.id, driving.ZONE, now,
                                osrm=down)
    assert rescue.travel == "straight_line_fallback" and route.distance_m > 0
    assert rescue.status is PlanStatus.PUBLISHED


def test_zones_and_their_re_solves_keep_the_plans_road_server():
    """A zoned day's zones (and the same zones cut again for a food-safety re-solve) plan on the same travel."""
    from coalition.services import zoning

    provider = routing.OsrmProvider("http://127.0.0.1:9")
    problem = _monaco_day(provider)
    zones = zoning.split(problem, 2)
    assert len(zones) == 2 and all(zone.matrix is provider for zone in zones)
    assert all(zone.matrix is provider for zone in zoning.same_zones(problem, zones))
