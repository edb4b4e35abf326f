"""Bad input gets a clear message and a 4xx, never a 500 or a stack trace."""
from __future__ import annotations

import pytest

from tests.fixtures.web import csrf_token_from


def test_an_unknown_url_is_a_friendly_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "There is no page at this address." in html
    assert "Traceback" not in html


def test_an_unknown_api_url_is_a_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json() == {"error": "There is no page at this address.", "fields": {}}


def test_the_api_answers_anonymous_callers_with_json_401(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.get_json()["error"] == "Sign in to use this API."


def test_the_api_returns_the_signed_in_users_memberships(login_as):
    client = login_as("grocer")
    body = client.get("/api/v1/me").get_json()
    assert body["email"] == "grocer@example.org"
    assert body["coalition_admin"] is False
    assert body["memberships"][0]["organization"] == "Hawthorne Green Grocer"


def test_an_unknown_organization_is_404_in_html_and_json(login_as):
    client = login_as("grocer")
    assert client.get("/organizations/999999").status_code == 404
    response = client.get("/api/v1/organizations/999999")
    assert response.status_code == 404
    assert response.get_json()["error"] == "There is no such organization."


def test_a_request_body_over_the_size_limit_is_413(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    page = client.get("/signin").get_data(as_text=True)
    response = client.post("/signin", data={"email": "a@example.org", "password": "x" * 5000, "csrf_token": csrf_token_from(page)})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


@pytest.mark.parametrize("email", ["not-an-email", "a@", "@example.org", "a b@example.org"])
def test_a_malformed_email_on_forgot_password_is_refused_beside_the_field(client, email):
    page = client.get("/password/forgot").get_data(as_text=True)
    response = client.post("/password/forgot", data={"email": email, "csrf_token": csrf_token_from(page)})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="email-error"' in html


def test_an_empty_sign_in_form_shows_errors_beside_both_fields(client):
    page = client.get("/signin").get_data(as_text=True)
    response = client.post("/signin", data={"email": "", "password": "", "csrf_token": csrf_token_from(page)})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="email-error"' in html and 'id="password-error"' in html
    assert 'aria-invalid="true"' in html


def test_a_method_not_allowed_is_405_not_500(client):
    assert client.post("/healthz").status_code in (400, 405)
    assert client.delete("/").status_code == 405


def test_non_numeric_ids_are_404(login_as):
    client = login_as("grocer")
    assert client.get("/organizations/abc").status_code == 404
