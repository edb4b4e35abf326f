"""The late-pickup pages: the driver's two big buttons, the coordinators' alert with its one-tap actions and
missed record, bad input answered beside the field with nothing saved, the reliability history shown to
coordinators only, and the missed pickups per month with their CSV."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from coalition.models import DriverAnswer, NoShow, Notification, NotificationKind
from coalition.services import no_shows
from tests.fixtures import driving as f
from tests.fixtures.web import sign_in

RULES = no_shows.NoShowRules()


@pytest.fixture
def late(session, now):
    """driver@'s pickup that was due an hour ago (window open until in an hour), flagged by the worker."""
    stop = f.make_route(session, now - dt.timedelta(hours=2)).stops[0]
    no_shows.flag_late_pickups(session, now, RULES)
    row = session.scalar(select(NoShow).where(NoShow.claim_id == stop.claim_id))
    session.commit()
    # Plain values: the requests below end the session the rows were loaded in.
    return SimpleNamespace(id=row.id, driver_id=row.driver_id, due_at=row.due_at)


def _as(client, email):
    client.delete_cookie("session")
    assert sign_in(client, email).status_code == 302
    return client


def test_the_driver_answers_cant_make_it_with_a_big_button_and_the_coordinators_are_told(
        client, session, late, post_form):
    _as(client, "driver@example.org")
    page = client.get(f"/driver/no-shows/{late.id}/question?answer=cant_make_it").get_data(as_text=True)
    assert "I can&#39;t make it" in page and 'class="big primary" data-answer="cant_make_it"' in page
    question = f"/driver/no-shows/{late.id}/question"
    response = post_form(f"/driver/no-shows/{late.id}/answer", {"answer": "cant_make_it"}, token_page=question)
    assert response.status_code == 303
    session.expire_all()
    row = session.get(NoShow, late.id)
    assert row.answer is DriverAnswer.CANT_MAKE_IT and row.escalation_reason == "cant_make_it"
    alerted = set(session.scalars(select(Notification.user_id).where(Notification.kind == NotificationKind.NO_SHOW_ALERT)))
    assert alerted == {u.id for u in no_shows.coordinators(session)}
    assert "told the coordinators you can't make it" in client.get(question).get_data(as_text=True)


def test_a_bad_answer_is_shown_beside_the_buttons_and_nothing_is_saved(client, session, late, post_form):
    _as(client, "driver@example.org")
    question = f"/driver/no-shows/{late.id}/question"
    response = post_form(f"/driver/no-shows/{late.id}/answer", {"answer": "<b>maybe</b>"}, token_page=question)
    assert response.status_code == 422
    assert 'id="answer-error"' in response.get_data(as_text=True)
    session.expire_all()
    row = session.get(NoShow, late.id)
    assert row.answer is DriverAnswer.NONE and row.answered_at is None and row.escalated_at is None


def test_another_driver_can_neither_see_nor_answer_the_question(client, session, late, post_form):
    _as(client, "driver1@example.org")
    assert client.get(f"/driver/no-shows/{late.id}/question").status_code == 403
    response = post_form(f"/driver/no-shows/{late.id}/answer", {"answer": "on_the_way"}, token_page="/driver/shifts")
    assert response.status_code == 403
    session.expire_all()
    assert session.get(NoShow, late.id).answer is DriverAnswer.NONE


def test_the_coordinator_records_a_missed_pickup_only_with_a_reason(client, session, late, post_form):
    _as(client, "coordinator@example.org")
    alert = f"/driver/no-shows/{late.id}"
    page = client.get(alert).get_data(as_text=True)
    assert "Offer it as a rescue" in page and "Dana Driver" in page
    response = post_form(f"{alert}/missed", {"reason": "   "}, token_page=alert)
    assert response.status_code == 422 and 'id="reason-error"' in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(NoShow, late.id).missed_at is None
    assert post_form(f"{alert}/missed", {"reason": "Nobody could go"}, token_page=alert).status_code == 303
    session.expire_all()
    assert session.get(NoShow, late.id).missed_reason == "Nobody could go"
    index = client.get("/driver/no-shows").get_data(as_text=True)
    assert "Missed: Nobody could go" in index and 'id="missed-months"' in index
    csv = client.get("/driver/no-shows/missed.csv")
    assert csv.mimetype == "text/csv"
    month = late.due_at.astimezone(f.ZONE).strftime("%Y-%m")
    assert any(line.startswith(f"{month},") for line in csv.get_data(as_text=True).splitlines())


def test_the_coordinator_offers_the_late_pickup_as_a_rescue_in_one_tap(client, session, late, post_form):
    _as(client, "coordinator@example.org")
    alert = f"/driver/no-shows/{late.id}"
    assert post_form(f"{alert}/rescue", {}, token_page=alert).status_code == 303
    assert "Offered as a rescue, not taken yet" in client.get(alert).get_data(as_text=True)
    assert post_form(f"{alert}/rescue", {}, token_page=alert).status_code == 409   # handed over already


@pytest.mark.parametrize("email", ["driver@example.org", "driver1@example.org", "grocer@example.org",
                                   "foodbank@example.org", "shelter@example.org", "city@example.org"])
def test_reliability_is_for_coordinators_only(client, session, late, email):
    """Not the driver themself, not another driver, not the partners whose food they carry."""
    _as(client, email)
    assert client.get(f"/driver/reliability/{late.driver_id}").status_code in (403, 404)


def test_coordinators_read_a_drivers_reliability(client, session, late, post_form):
    _as(client, "coordinator@example.org")
    post_form(f"/driver/no-shows/{late.id}/missed", {"reason": "No car"}, token_page=f"/driver/no-shows/{late.id}")
    page = client.get(f"/driver/reliability/{late.driver_id}").get_data(as_text=True)
    assert "<strong>1</strong> missed" in page and "Missed: No car" in page
    assert client.get(f"/driver/reliability/{f.user(session, 'grocer@example.org').id}").status_code == 404
