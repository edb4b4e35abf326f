"""The planning pages: preview, plan (the job runs inline while testing), review with map data, status JSON,
publish, move, bad input beside the fields, and the food-safety settings page."""
from __future__ import annotations

import re

from coalition.models.route_plan import PlanStatus, RoutePlan
from tests.fixtures.planning import add_shift


def test_a_coordinator_plans_reviews_and_publishes_a_day(session, login_as, post_form, user, org, now, day):
    add_shift(session, user, org, now)
    session.commit()
    client = login_as("coordinator")
    page = client.get(f"/planning/?date={day['date'].isoformat()}").get_data(as_text=True)
    assert "2 requests" in page and "1 driver shifts" in page and "Plan routes" in page
    response = post_form("/planning/plan", {"date": day["date"].isoformat(), "time_limit": "1"},
                         f"/planning/?date={day['date'].isoformat()}")
    assert response.status_code == 302
    plan_url = response.headers["Location"]
    plan_id = int(re.search(r"/plans/(\d+)", plan_url).group(1))
    status = client.get(f"/planning/plans/{plan_id}/status").get_json()
    assert status["status"] == "ready" and status["done"]
    page = client.get(plan_url).get_data(as_text=True)
    assert re.search(r"<summary>\s*<strong class=\"route-driver\">Dana Driver</strong>", page)
    assert "Publish and tell everyone" in page and 'data-routes=' in page
    assert "30 kg</strong> moved" in page
    published = post_form(f"/planning/plans/{plan_id}/publish", {}, plan_url)
    assert published.status_code == 302
    assert session.get(RoutePlan, plan_id).status is PlanStatus.PUBLISHED


def test_a_day_with_no_shifts_is_refused_beside_the_form(session, login_as, post_form, day):
    login_as("coordinator")
    response = post_form("/planning/plan", {"date": day["date"].isoformat()}, "/planning/")
    assert response.status_code == 422
    assert "No driver has posted a shift that day" in response.get_data(as_text=True)


def test_the_food_safety_page_saves_an_override_and_shows_errors_beside_fields(session, login_as, post_form):
    login_as("coordinator")
    bad = post_form("/planning/food-safety", {"refrigerated-insulated": "abc"}, "/planning/food-safety")
    assert bad.status_code == 422 and 'id="refrigerated-insulated-error"' in bad.get_data(as_text=True)
    good = post_form("/planning/food-safety", {"refrigerated-insulated": "180"}, "/planning/food-safety")
    assert good.status_code == 302
    from coalition.services import food_safety

    assert food_safety.load_policy(session).max_ride_s("refrigerated", "insulated") == 3 * 3600


def test_the_food_safety_page_sets_temperature_limits_in_the_coalitions_unit(session, app, login_as, post_form,
                                                                           monkeypatch):
    from coalition.services import cold_chain

    monkeypatch.setitem(app.config, "TEMPERATURE_UNIT", "F")
    client = login_as("coordinator")
    page = client.get("/planning/food-safety").get_data(as_text=True)
    assert "Refrigerated food: at most (°F)" in page and 'value="41"' in page and "Default: 0 °F" not in page
    bad = post_form("/planning/food-safety", {"refrigerated_max": "80", "ambient-none": "x"}, "/planning/food-safety")
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'id="refrigerated_max-error"' in text and 'id="ambient-none-error"' in text
    assert cold_chain.load_limits(session) == cold_chain.Limits()          # nothing half-saved
    good = post_form("/planning/food-safety", {"refrigerated_max": "40", "delivery_grace": "1.8"}, "/planning/food-safety")
    assert good.status_code == 302
    assert cold_chain.load_limits(session) == cold_chain.Limits(44, -180, 10)


def test_the_planning_page_queries_do_not_grow_with_the_number_of_requests(
        app, session, client, login_as, make_donation, user, org, now, day):
    """Issue 5 target (pages fast while a solve runs): the day's preview loads claims, donors, recipients and
    shifts up front; a day with more requests and shifts takes the same number of SQL statements (no N+1)."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from coalition.services import claims

    add_shift(session, user, org, now)
    start, end = day["bread"].delivery_start, day["bread"].delivery_end
    session.commit()
    login_as("coordinator")
    url = f"/planning/?date={day['date'].isoformat()}"
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def page_statements() -> int:
        statements.clear()
        event.listen(Engine, "before_cursor_execute", count)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(Engine, "before_cursor_execute", count)
        return len(statements)

    few = page_statements()
    coordinator = user("coordinator@example.org")
    for donor, actor, recipient in (("Sauvie Island Growers", "farmer@example.org", "Old Town Night Shelter"),
                                    ("Hawthorne Green Grocer", "grocer@example.org", "Columbia Regional Food Bank"),
                                    ("Sauvie Island Growers", "farmer@example.org", "Columbia Regional Food Bank")):
        donation = make_donation(kg=5, category="produce", donor=donor, actor=actor)
        claims.claim_line(session, coordinator, donation.lines[0].id, org(recipient), None, start, end, now)
    add_shift(session, user, org, now, email="coordinator@example.org")
    session.commit()
    many = page_statements()
    assert few > 0 and many == few, f"{few} statements for 2 requests, {many} for 5"


def _sqlite_busy(tmp_path):
    """The error SQLite really raises when its busy timeout runs out: "database is locked"."""
    import sqlite3

    holder = sqlite3.connect(tmp_path / "locked.db", isolation_level=None)
    waiter = sqlite3.connect(tmp_path / "locked.db", isolation_level=None, timeout=0.01)
    holder.execute("BEGIN IMMEDIATE")
    try:
        waiter.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        return error
    finally:
        holder.close()
        waiter.close()
    raise AssertionError("the second connection got SQLite's write lock")


def test_a_status_poll_that_times_out_on_a_database_lock_is_a_503_to_retry_not_a_500(
        session, login_as, monkeypatch, tmp_path):
    """A lock wait that runs out (SQLite busy, PostgreSQL lock_timeout) is passing: 503 with Retry-After, the
    JSON error words; any other database error is still a 500."""
    import psycopg
    from sqlalchemy.exc import OperationalError

    from coalition.services.planning import queries

    client = login_as("coordinator")
    for cause, status in ((_sqlite_busy(tmp_path), 503), (psycopg.errors.LockNotAvailable("lock timeout"), 503),
                          (psycopg.errors.DiskFull("no space"), 500)):
        def locked(*_args, cause=cause):
            raise OperationalError("SELECT route_plans", {}, cause)

        monkeypatch.setattr(queries, "get_plan", locked)
        response = client.get("/planning/plans/1/status", headers={"Accept": "application/json"})
        assert response.status_code == status, cause
        assert "error" in response.get_json()
        assert ("Retry-After" in response.headers) == (status == 503)
