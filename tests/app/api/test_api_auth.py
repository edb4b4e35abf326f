"""API authentication: bearer tokens are issued, expire, are revoked, throttled; cookie sessions need CSRF to write."""
from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select

from coalition.models import ApiToken
from tests.fixtures.web import DEMO_PASSWORD, csrf_token_from


def test_a_token_is_issued_for_the_right_password_and_only_its_digest_is_stored(api, session):
    response = api.client.post("/api/v1/auth/token", json={"email": "grocer@example.org", "password": DEMO_PASSWORD})
    assert response.status_code == 201
    body = response.get_json()
    assert body["token"] and body["token_type"] == "Bearer"
    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert expires.tzinfo is not None and expires > dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=29)
    stored = session.scalar(select(ApiToken).where(ApiToken.token_digest == hashlib.sha256(body["token"].encode()).hexdigest()))
    assert stored is not None and stored.user.email == "grocer@example.org"
    assert session.scalar(select(ApiToken).where(ApiToken.token_digest == body["token"])) is None
    assert "Set-Cookie" not in response.headers


def test_a_bearer_token_authenticates_as_its_user_without_a_cookie(api):
    response = api.get("/api/v1/me", "foodbank")
    assert response.status_code == 200
    assert response.get_json()["email"] == "foodbank@example.org"
    assert "Set-Cookie" not in response.headers


def test_wrong_credentials_are_a_json_401_that_does_not_say_which_half_was_wrong(api):
    wrong_password = api.client.post("/api/v1/auth/token", json={"email": "grocer@example.org", "password": "nope"})
    unknown = api.client.post("/api/v1/auth/token", json={"email": "nobody@example.org", "password": "nope"})
    assert wrong_password.status_code == unknown.status_code == 401
    assert wrong_password.get_json() == unknown.get_json() == {
        "error": "That e-mail and password do not match an active account.", "fields": {}}


def test_token_requests_are_throttled_like_sign_in(api, app, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNIN_MAX_FAILURES_PER_ACCOUNT", 3)
    for _ in range(3):
        assert api.client.post("/api/v1/auth/token", json={"email": "shelter@example.org", "password": "x"}).status_code == 401
    locked = api.client.post("/api/v1/auth/token", json={"email": "shelter@example.org", "password": DEMO_PASSWORD})
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.get_json()["error"]


@pytest.mark.parametrize("payload, status", [
    ("not json", 400), ([], 400), ({"email": 5, "password": "x"}, 400), ({"email": "a@example.org"}, 422),
])
def test_a_malformed_token_request_is_refused_without_counting_as_a_failure(api, payload, status, session):
    if isinstance(payload, str):
        response = api.client.post("/api/v1/auth/token", data=payload, content_type="application/json")
    else:
        response = api.client.post("/api/v1/auth/token", json=payload)
    assert response.status_code == status
    assert set(response.get_json()) == {"error", "fields"}


def test_an_expired_token_is_refused(api, session):
    token = api.token("grocer")
    row = session.scalar(select(ApiToken).where(ApiToken.token_digest == hashlib.sha256(token.encode()).hexdigest()))
    row.expires_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
    session.commit()
    response = api.get("/api/v1/me", token=token)
    assert response.status_code == 401
    assert "expired or revoked" in response.get_json()["error"]


def test_the_token_lifetime_comes_from_API_TOKEN_MAX_AGE_S(api, app, monkeypatch):
    monkeypatch.setitem(app.config, "API_TOKEN_MAX_AGE_S", 60)
    body = api.client.post("/api/v1/auth/token", json={"email": "grocer@example.org", "password": DEMO_PASSWORD}).get_json()
    assert dt.datetime.fromisoformat(body["expires_at"]) < dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=61)


def test_a_revoked_token_stops_working_and_other_tokens_keep_working(api):
    first = api.token("grocer")
    second = api.client.post("/api/v1/auth/token", json={"email": "grocer@example.org", "password": DEMO_PASSWORD}).get_json()["token"]
    revoked = api.delete("/api/v1/auth/token", token=first)
    assert revoked.status_code == 200 and revoked.get_json() == {"revoked": True}
    assert api.get("/api/v1/me", token=first).status_code == 401
    assert api.delete("/api/v1/auth/token", token=first).status_code == 401
    assert api.get("/api/v1/me", token=second).status_code == 200


def test_a_made_up_token_is_401_even_for_public_looking_reads(api):
    for token in ("made-up", "x" * 5000, ""):
        response = api.get("/api/v1/donations", token=token)
        assert response.status_code == 401
        assert set(response.get_json()) == {"error", "fields"}


def test_a_deactivated_users_token_stops_working(api, user, session):
    token = api.token("shelter")
    user("shelter@example.org").active = False
    session.commit()
    assert api.get("/api/v1/me", token=token).status_code == 401


def test_a_token_does_not_sign_in_the_html_pages(api):
    token = api.token("grocer")
    response = api.client.get("/organizations/", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 302 and "/signin" in response.headers["Location"]


def test_a_cookie_session_cannot_write_through_the_api_without_the_csrf_token(login_as, make_donation, session):
    """Cross-site forms cannot set headers: a browser session must send X-CSRFToken; reads need none."""
    donation_id = make_donation().id
    session.commit()
    client = login_as("grocer")
    assert client.get(f"/api/v1/donations/{donation_id}").status_code == 200
    refused = client.post(f"/api/v1/donations/{donation_id}/cancel", json={})
    assert refused.status_code == 400
    assert "X-CSRFToken" in refused.get_json()["error"]
    assert client.get(f"/api/v1/donations/{donation_id}").get_json()["status"] == "open"
    token = csrf_token_from(client.get("/organizations/").get_data(as_text=True))
    allowed = client.post(f"/api/v1/donations/{donation_id}/cancel", json={}, headers={"X-CSRFToken": token})
    assert allowed.status_code == 200 and allowed.get_json()["status"] == "cancelled"


def test_bearer_requests_need_no_csrf_token(api, make_donation, session):
    donation_id = make_donation().id
    session.commit()
    response = api.post(f"/api/v1/donations/{donation_id}/cancel", "grocer", json={"reason": "sold after all"})
    assert response.status_code == 200
    assert response.get_json()["cancel_reason"] == "sold after all"


def test_revoking_needs_a_bearer_token(login_as):
    client = login_as("grocer")
    token = csrf_token_from(client.get("/organizations/").get_data(as_text=True))
    response = client.delete("/api/v1/auth/token", headers={"X-CSRFToken": token})
    assert response.status_code == 400
    assert "Bearer" in response.get_json()["error"]


def test_a_request_with_both_a_session_cookie_and_a_bearer_token_is_refused(login_as, api):
    """The client must not act as the cookie's user while it believes it uses its token's."""
    token = api.token("foodbank")
    client = login_as("grocer")
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    assert "not both" in response.get_json()["error"]
