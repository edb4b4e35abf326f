"""Fixtures for the web application: a migrated database with the demo coalition, per-test rollback."""
from __future__ import annotations

import re

import flask_migrate
import pytest
from sqlalchemy import orm, select

from coalition import create_app
from coalition.config import TestConfig
from coalition.extensions import db
from coalition.models import Organization, User
from coalition.services import demo
from tests.dbutil import scratch_database_url

DEMO_PASSWORD = demo.DEMO_PASSWORD
ROLE_EMAILS = {
    "backbone": "backbone@example.org",
    "coordinator": "coordinator@example.org",
    "grocer": "grocer@example.org",
    "grocer_staff": "grocer.staff@example.org",
    "farmer": "farmer@example.org",
    "foodbank": "foodbank@example.org",
    "shelter": "shelter@example.org",
    "city": "city@example.org",
    "driver": "driver@example.org",
}


def make_test_app(database_url: str, instance_path):
    return create_app(TestConfig(instance_path, database_url), instance_path=instance_path)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """The app on a freshly migrated database holding the demo coalition (committed once)."""
    instance = tmp_path_factory.mktemp("instance")
    application = make_test_app(scratch_database_url("main", instance), instance)
    with application.app_context():
        flask_migrate.upgrade()
        demo.load_demo(db.session)
        db.session.commit()
        db.session.remove()
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def session(app):
    """Each test runs inside one outer transaction that is rolled back afterwards.

    The application's own commits release SAVEPOINTs inside it, so views and
    services behave as in production while nothing leaks between tests.
    """
    # No app context stays pushed during the test: each request must get its
    # own, or ``g`` (Flask-Login's user, Flask-WTF's token) would leak between
    # requests and clients.
    with app.app_context():
        connection = db.engine.connect()
    outer = connection.begin()
    original = db.session
    db.session = orm.scoped_session(
        orm.sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=True)
    )
    try:
        yield db.session
    finally:
        db.session.remove()
        db.session = original
        outer.rollback()
        connection.close()


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "page has no CSRF token"
    return match.group(1)


def sign_in(client, email: str, password: str = DEMO_PASSWORD):
    """Sign in through the real form (with its CSRF token when CSRF is on)."""
    page = client.get("/signin").get_data(as_text=True)
    data = {"email": email, "password": password}
    if 'name="csrf_token"' in page:
        data["csrf_token"] = csrf_token_from(page)
    return client.post("/signin", data=data)


@pytest.fixture
def login_as(client):
    """Sign the test client in as a demo role (a key of ROLE_EMAILS); returns the client."""

    def _login(role: str):
        response = sign_in(client, ROLE_EMAILS[role])
        assert response.status_code == 302, f"sign-in as {role} failed: {response.status_code}"
        return client

    return _login


@pytest.fixture
def post_form(client):
    """POST a form the way a browser would: fetch the page's CSRF token first."""

    def _post(url: str, data: dict, token_page: str = "/"):
        token = csrf_token_from(client.get(token_page).get_data(as_text=True))
        return client.post(url, data={**data, "csrf_token": token})

    return _post


@pytest.fixture
def org(session):
    """Look up a demo organization by name."""

    def _org(name: str) -> Organization:
        return session.scalar(select(Organization).where(Organization.name == name))

    return _org


@pytest.fixture
def user(session):
    def _user(email: str) -> User:
        return session.scalar(select(User).where(User.email == email))

    return _user




@pytest.fixture
def now():
    import datetime as dt

    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


@pytest.fixture
def make_donation(session, org, user, now):
    """Post a donation through the service with sensible defaults: 20 kg of bread at the grocer's, pickup in 1-3 h."""
    import datetime as dt

    from coalition.services import donations

    def _make(kg=20.0, category="bakery", storage="ambient", donor="Hawthorne Green Grocer",
              actor="grocer@example.org", lines=None, allow_split=True, start_h=1, end_h=3, use_by_h=24, **extra):
        data = donations.DonationInput(
            lines=lines or [donations.LineInput(category, "bread and rolls", storage, now + dt.timedelta(hours=use_by_h), kg=kg)],
            pickup_start=now + dt.timedelta(hours=start_h), pickup_end=now + dt.timedelta(hours=end_h),
            allow_split=allow_split, **extra)
        donation = donations.post_donation(session, user(actor), org(donor), data, now)
        session.flush()
        return donation

    return _make


@pytest.fixture
def window(now):
    """A delivery window: today, 4-6 hours from now."""
    import datetime as dt

    return now + dt.timedelta(hours=4), now + dt.timedelta(hours=6)
