"""Signing in and out, throttling, CSRF, cookies and password resets."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from itsdangerous import URLSafeTimedSerializer

from coalition.models import SignInFailure
from coalition.services import accounts
from tests.fixtures.web import DEMO_PASSWORD, csrf_token_from, sign_in


def test_a_demo_user_signs_in_and_lands_on_their_home_page(client):
    response = sign_in(client, "grocer@example.org")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert "Hello, Greta Grocer" in home
    assert "Hawthorne Green Grocer" in home


def test_email_is_matched_case_insensitively(client):
    assert sign_in(client, "  Grocer@Example.ORG ").status_code == 302


def test_a_wrong_password_shows_an_error_and_does_not_sign_in(client):
    response = sign_in(client, "grocer@example.org", "not-the-password")
    assert response.status_code == 401
    assert "do not match an active account" in response.get_data(as_text=True)
    assert client.get("/").get_data(as_text=True).count("Sign in") >= 1
    assert "Hello," not in client.get("/").get_data(as_text=True)


def test_sign_in_records_last_login_time(client, user):
    before = dt.datetime.now(dt.timezone.utc)
    sign_in(client, "farmer@example.org")
    assert user("farmer@example.org").last_login_at >= before - dt.timedelta(seconds=1)


def test_an_account_is_locked_after_repeated_failures_even_with_the_right_password(client, app):
    limit = app.config["SIGNIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        assert sign_in(client, "shelter@example.org", "wrong-password-123").status_code == 401
    response = sign_in(client, "shelter@example.org", DEMO_PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.get_data(as_text=True)
    # Another account from another address is unaffected.
    other = app.test_client()
    assert sign_in(other, "farmer@example.org").status_code == 302


def test_an_address_is_throttled_after_failures_across_many_accounts(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNIN_MAX_FAILURES_PER_ADDRESS", 3)
    for n in range(3):
        assert sign_in(client, f"nobody{n}@example.org", "whatever-123").status_code == 401
    assert sign_in(client, "city@example.org", DEMO_PASSWORD).status_code == 429


def test_failures_older_than_the_window_do_not_count(session, app):
    policy = accounts.ThrottlePolicy(window_s=60, max_failures_per_account=2, max_failures_per_address=100)
    old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
    session.add_all([SignInFailure(email="city@example.org", address="10.0.0.9", at=old) for _ in range(5)])
    session.flush()
    user = accounts.authenticate(session, "city@example.org", DEMO_PASSWORD, "10.0.0.9", dt.datetime.now(dt.timezone.utc), policy)
    assert user.email == "city@example.org"


def test_a_successful_sign_in_clears_that_accounts_failures(session):
    policy = accounts.ThrottlePolicy(window_s=600, max_failures_per_account=3, max_failures_per_address=100)
    now = dt.datetime.now(dt.timezone.utc)
    for _ in range(2):
        with pytest.raises(Exception):
            accounts.authenticate(session, "city@example.org", "bad-password-1", "a", now, policy)
    accounts.authenticate(session, "city@example.org", DEMO_PASSWORD, "a", now, policy)
    for _ in range(2):
        with pytest.raises(Exception):
            accounts.authenticate(session, "city@example.org", "bad-password-1", "a", now, policy)
    # Two fresh failures are below the limit of three: still allowed.
    assert accounts.authenticate(session, "city@example.org", DEMO_PASSWORD, "a", now, policy)


def test_a_deactivated_user_cannot_sign_in(client, session, user):
    user("driver@example.org").active = False
    session.commit()
    assert sign_in(client, "driver@example.org").status_code == 401


def test_a_form_without_csrf_token_is_refused(client):
    response = client.post("/signin", data={"email": "grocer@example.org", "password": DEMO_PASSWORD})
    assert response.status_code == 400
    assert "expired or was not sent by this site" in response.get_data(as_text=True)
    assert "Hello," not in client.get("/").get_data(as_text=True)


def test_sign_out_needs_a_post_and_ends_the_session(login_as, client):
    login_as("grocer")
    assert client.get("/signout").status_code == 405
    home = client.get("/").get_data(as_text=True)
    response = client.post("/signout", data={"csrf_token": csrf_token_from(home)})
    assert response.status_code == 302
    assert "Hello," not in client.get("/").get_data(as_text=True)


def test_remember_me_sets_a_long_lived_http_only_cookie(client):
    page = client.get("/signin").get_data(as_text=True)
    response = client.post("/signin", data={
        "email": "grocer@example.org", "password": DEMO_PASSWORD, "remember": "y", "csrf_token": csrf_token_from(page)})
    cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    assert remember and "HttpOnly" in remember[0] and "Expires=" in remember[0]
    session_cookie = [c for c in cookies if c.startswith("session=")]
    assert session_cookie and "HttpOnly" in session_cookie[0] and "SameSite=Lax" in session_cookie[0]


def test_next_parameter_only_redirects_within_the_site(client):
    page = client.get("/signin").get_data(as_text=True)
    data = {"email": "grocer@example.org", "password": DEMO_PASSWORD, "csrf_token": csrf_token_from(page)}
    response = client.post("/signin?next=https://evil.example/", data=data)
    assert response.headers["Location"] == "/"


def test_a_protected_page_sends_anonymous_visitors_to_sign_in_and_back(client):
    response = client.get("/organizations/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/signin?next=/organizations/")


def _reset_link(caplog) -> str:
    match = re.search(r"http://localhost(/password/reset/[^\s]+)", caplog.text)
    assert match, "no reset link was logged"
    return match.group(1)


def test_password_reset_by_logged_link_changes_the_password_once(client, app, caplog, monkeypatch):
    caplog.set_level("INFO")
    monkeypatch.setitem(app.config, "COALITION_NAME", "Riverside Food Coalition")
    page = client.get("/password/forgot").get_data(as_text=True)
    response = client.post("/password/forgot", data={"email": "farmer@example.org", "csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    assert "subject=Reset your Riverside Food Coalition password" in caplog.text
    link = _reset_link(caplog)
    form = client.get(link)
    assert form.status_code == 200
    token = csrf_token_from(form.get_data(as_text=True))
    response = client.post(link, data={"password": "a-brand-new-secret", "confirm": "a-brand-new-secret", "csrf_token": token})
    assert response.status_code == 302
    assert sign_in(client, "farmer@example.org", "a-brand-new-secret").status_code == 302
    # The link is single use: the password it was made for has changed.
    used = client.get(link)
    assert used.status_code == 400
    assert "already been used" in used.get_data(as_text=True)


def test_forgot_password_gives_the_same_answer_for_unknown_addresses(client, caplog):
    caplog.set_level("INFO")
    page = client.get("/password/forgot").get_data(as_text=True)
    response = client.post("/password/forgot", data={"email": "stranger@example.org", "csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    assert "/password/reset/" not in caplog.text


def test_a_short_new_password_is_refused_beside_the_field(client, app, user):
    token = accounts.make_password_reset_token(user("farmer@example.org"), app.config["SECRET_KEY"])
    page = client.get(f"/password/reset/{token}").get_data(as_text=True)
    response = client.post(f"/password/reset/{token}", data={"password": "short", "confirm": "short", "csrf_token": csrf_token_from(page)})
    assert response.status_code == 422
    assert 'id="password-error"' in response.get_data(as_text=True)
    assert sign_in(client, "farmer@example.org", DEMO_PASSWORD).status_code == 302


def test_forged_and_expired_reset_tokens_are_refused(client, app, user):
    forged = URLSafeTimedSerializer("not-our-secret", salt="password-reset").dumps({"user": user("farmer@example.org").id, "fp": "x"})
    response = client.get(f"/password/reset/{forged}")
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)

    token = accounts.make_password_reset_token(user("farmer@example.org"), app.config["SECRET_KEY"])
    app.config["PASSWORD_RESET_MAX_AGE_S"], saved = -1, app.config["PASSWORD_RESET_MAX_AGE_S"]
    try:
        response = client.get(f"/password/reset/{token}")
    finally:
        app.config["PASSWORD_RESET_MAX_AGE_S"] = saved
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
