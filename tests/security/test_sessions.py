"""Sessions end when they should: on sign-out (server side), a new password, and a deactivation.

A copy of a session or remember-me cookie taken before the event must name no one after it, and a
password reset or a deactivation also revokes the person's API tokens.
"""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from coalition.config import Config
from coalition.models import Membership, Role, User
from coalition.services import accounts
from tests.fixtures.web import DEMO_PASSWORD, csrf_token_from, sign_in

PRIVATE_PAGE = "/organizations/"


def _signed_in(app, **cookies) -> bool:
    """Does a fresh browser holding only these cookies reach a signed-in page?"""
    browser = app.test_client()
    for key, value in cookies.items():
        browser.set_cookie(key, value)
    return browser.get(PRIVATE_PAGE).status_code == 200


def _sign_in_remembered(client, email: str):
    token = csrf_token_from(client.get("/signin").get_data(as_text=True))
    response = client.post("/signin", data={"email": email, "password": DEMO_PASSWORD, "remember": "y",
                                            "csrf_token": token})
    assert response.status_code == 302
    return response


def _sign_out(client):
    token = csrf_token_from(client.get(PRIVATE_PAGE).get_data(as_text=True))
    assert client.post("/signout", data={"csrf_token": token}).status_code == 302


def _api_token(client, email: str) -> str:
    response = client.post("/api/v1/auth/token", json={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 201
    return response.get_json()["token"]


def _token_works(client, token: str) -> bool:
    return client.get("/api/v1/needs", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_a_copied_session_cookie_stops_working_at_sign_out(app, client):
    assert sign_in(client, "farmer@example.org").status_code == 302
    copied = client.get_cookie("session").value
    assert _signed_in(app, session=copied), "the copy works while the session lasts"
    _sign_out(client)
    assert not _signed_in(app, session=copied)


def test_a_copied_remember_me_cookie_stops_working_at_sign_out(app, client):
    _sign_in_remembered(client, "farmer@example.org")
    remembered = client.get_cookie("remember_token").value
    assert _signed_in(app, remember_token=remembered), "the remember-me cookie signs a new browser in"
    _sign_out(client)
    assert not _signed_in(app, remember_token=remembered)


def test_a_password_reset_ends_every_session_remember_me_cookie_and_api_token(app, client, session):
    _sign_in_remembered(client, "farmer@example.org")
    copied, remembered = client.get_cookie("session").value, client.get_cookie("remember_token").value
    token = _api_token(app.test_client(), "farmer@example.org")
    assert _token_works(app.test_client(), token)
    farmer = session.scalar(select(User).where(User.email == "farmer@example.org"))
    link_token = accounts.make_password_reset_token(farmer, app.config["SECRET_KEY"])
    page = app.test_client()
    form = page.get(f"/password/reset/{link_token}").get_data(as_text=True)
    response = page.post(f"/password/reset/{link_token}", data={
        "password": "a-brand-new-secret", "confirm": "a-brand-new-secret", "csrf_token": csrf_token_from(form)})
    assert response.status_code == 302
    assert not _signed_in(app, session=copied)
    assert not _signed_in(app, remember_token=remembered)
    assert not _token_works(app.test_client(), token)
    assert client.get(PRIVATE_PAGE).status_code == 302


def test_deactivating_a_person_ends_their_sessions_and_api_tokens(app, client, login_as, session, org):
    staff_browser = app.test_client()
    _sign_in_remembered(staff_browser, "grocer.staff@example.org")
    remembered = staff_browser.get_cookie("remember_token").value
    token = _api_token(app.test_client(), "grocer.staff@example.org")
    store = org("Hawthorne Green Grocer")
    staff = session.scalar(select(Membership).where(Membership.organization_id == store.id,
                                                    Membership.role == Role.STAFF))
    admin = login_as("grocer")
    people = f"/organizations/{store.id}/people"
    csrf = csrf_token_from(admin.get(people).get_data(as_text=True))
    assert admin.post(f"{people}/{staff.id}/deactivate", data={"csrf_token": csrf}).status_code == 302
    assert staff_browser.get(PRIVATE_PAGE).status_code == 302
    assert not _signed_in(app, remember_token=remembered)
    assert not _token_works(app.test_client(), token)


def test_signing_out_keeps_the_api_tokens_of_other_devices(app, client):
    token = _api_token(app.test_client(), "farmer@example.org")
    assert sign_in(client, "farmer@example.org").status_code == 302
    _sign_out(client)
    assert _token_works(app.test_client(), token)


def test_remember_me_lasts_remember_days(app, client, tmp_path, monkeypatch):
    monkeypatch.delenv("REMEMBER_DAYS", raising=False)
    assert Config(tmp_path).REMEMBER_COOKIE_DURATION == dt.timedelta(days=30)
    monkeypatch.setenv("REMEMBER_DAYS", "7")
    assert Config(tmp_path).REMEMBER_COOKIE_DURATION == dt.timedelta(days=7)
    response = _sign_in_remembered(client, "farmer@example.org")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
    expires = dt.datetime.strptime(cookie.split("Expires=")[1].split(";")[0], "%a, %d %b %Y %H:%M:%S GMT")
    days = (expires - dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)).total_seconds() / 86400
    assert 29 < days <= 30


def test_the_csrf_token_rotates_at_sign_in(client, org):
    before = csrf_token_from(client.get("/signin").get_data(as_text=True))
    assert client.post("/signin", data={"email": "grocer@example.org", "password": DEMO_PASSWORD,
                                        "csrf_token": before}).status_code == 302
    store = org("Hawthorne Green Grocer")
    people = f"/organizations/{store.id}/people"
    after = csrf_token_from(client.get(people).get_data(as_text=True))
    assert after != before
    stale = client.post(f"{people}/invite", data={"email": "x@example.org", "role": "staff", "csrf_token": before})
    assert stale.status_code == 400


@pytest.mark.parametrize("session_id", ["", "7", "7.", "x.0", "7.x", "99999999999.0", "1.0.0"])
def test_a_malformed_session_id_names_no_one(session, session_id):
    assert accounts.user_for_session_id(session, session_id) is None
