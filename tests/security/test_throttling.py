"""Throttling and enumeration: reset requests are limited in the database, sign-in costs the same for
unknown and known e-mails, and the client address comes only from a configured number of trusted proxies."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from coalition.hosts import trust_proxies
from coalition.models import PasswordResetRequest, SignInFailure
from coalition.services import passwords
from tests.fixtures.web import csrf_token_from, sign_in


def _ask_reset(client, email: str, **kwargs):
    token = csrf_token_from(client.get("/password/forgot", **kwargs).get_data(as_text=True))
    return client.post("/password/forgot", data={"email": email, "csrf_token": token}, **kwargs)


@pytest.fixture
def limits(app, monkeypatch):
    monkeypatch.setitem(app.config, "RESET_MAX_PER_ACCOUNT", 2)
    monkeypatch.setitem(app.config, "RESET_MAX_PER_ADDRESS", 4)


@pytest.mark.parametrize("email", ["farmer@example.org", "nobody.here@example.org"])
def test_reset_requests_are_limited_per_account_the_same_whether_it_exists_or_not(app, limits, email, caplog):
    caplog.set_level("INFO")
    answers = [_ask_reset(app.test_client(), email, environ_base={"REMOTE_ADDR": f"10.0.0.{i}"}).status_code
               for i in range(3)]
    assert answers == [302, 302, 429]
    assert caplog.text.count("/password/reset/") == (2 if email.startswith("farmer") else 0)


def test_reset_requests_are_limited_per_client_address(app, limits):
    address = {"environ_base": {"REMOTE_ADDR": "10.9.9.9"}}
    answers = [_ask_reset(app.test_client(), f"person{i}@example.org", **address).status_code for i in range(5)]
    assert answers == [302, 302, 302, 302, 429]
    assert _ask_reset(app.test_client(), "person9@example.org",
                      environ_base={"REMOTE_ADDR": "10.9.9.10"}).status_code == 302


def test_the_reset_limit_is_kept_in_the_database_where_every_worker_sees_it(app, limits, session):
    for _ in range(2):
        _ask_reset(app.test_client(), "farmer@example.org")
    assert session.scalar(select(func.count()).select_from(PasswordResetRequest)
                          .where(PasswordResetRequest.email == "farmer@example.org")) == 2


def test_sign_in_verifies_one_argon2_hash_for_unknown_known_and_deactivated_accounts(client, session, monkeypatch):
    """The cost of a sign-in is one Argon2 verification whatever the e-mail, so timing tells nothing."""
    from coalition.models import User

    calls = []
    real_verify = passwords.verify_password
    monkeypatch.setattr(passwords, "verify_password", lambda h, p: calls.append(h) or real_verify(h, p))
    for email in ("nobody.here@example.org", "farmer@example.org"):
        calls.clear()
        assert sign_in(client, email, "wrong-password-123").status_code == 401
        assert len(calls) == 1 and calls[0].startswith("$argon2id$"), email
    farmer = session.scalar(select(User).where(User.email == "farmer@example.org"))
    farmer.active = False
    farmers_hash = farmer.password_hash
    session.commit()
    calls.clear()
    assert sign_in(client, "farmer@example.org", "feedingourcity").status_code == 401
    assert len(calls) == 1 and calls[0] != farmers_hash


def test_the_dummy_hash_costs_what_a_real_one_costs():
    passwords.verify_or_waste(None, "anything")
    real = passwords.hash_password("some password")
    assert passwords._dummy_hash.split("$")[3] == real.split("$")[3]   # m=..,t=..,p=.. parameters


def _failure_addresses(session) -> set[str]:
    return set(session.scalars(select(SignInFailure.address)))


def test_without_trusted_proxies_a_forwarded_for_header_is_ignored(client, session):
    sign_in(client, "nobody.here@example.org", "x")   # warms up the CSRF page
    client.environ_base.update({"REMOTE_ADDR": "192.0.2.7", "HTTP_X_FORWARDED_FOR": "203.0.113.9"})
    assert sign_in(client, "nobody.here@example.org", "wrong-password-123").status_code == 401
    addresses = _failure_addresses(session)
    assert "192.0.2.7" in addresses and "203.0.113.9" not in addresses


def test_with_one_trusted_proxy_the_client_address_is_the_one_it_forwarded(app, client, session, monkeypatch):
    monkeypatch.setattr(app, "wsgi_app", app.wsgi_app)   # restored after the test
    monkeypatch.setitem(app.config, "TRUSTED_PROXIES", 1)
    trust_proxies(app)
    # A client's own X-Forwarded-For entry comes first; the proxy appends the address it saw.
    client.environ_base.update({"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.1, 203.0.113.9"})
    assert sign_in(client, "nobody.here@example.org", "wrong-password-123").status_code == 401
    addresses = _failure_addresses(session)
    assert "203.0.113.9" in addresses
    assert "198.51.100.1" not in addresses and "10.0.0.1" not in addresses
