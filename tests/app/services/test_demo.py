"""The demo coalition: its size, its logins, and idempotent loading."""
from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from coalition.models import Membership, Organization, OrganizationKind, Role, User
from coalition.services import demo
from tests.fixtures.web import ROLE_EMAILS, sign_in


def test_the_demo_has_the_promised_partners_and_drivers(session):
    kinds = Counter(session.scalars(select(Organization.kind)))
    assert kinds[OrganizationKind.BACKBONE] == 1
    assert kinds[OrganizationKind.GROCERY] >= 6
    assert kinds[OrganizationKind.FARM] >= 3
    assert kinds[OrganizationKind.FOOD_BANK] >= 3
    assert kinds[OrganizationKind.SHELTER] >= 4
    assert kinds[OrganizationKind.GOVERNMENT] >= 1
    drivers = session.scalar(select(func.count()).select_from(Membership).where(Membership.role == Role.DRIVER))
    assert drivers >= 12


def test_demo_sites_lie_in_one_metropolitan_area(session):
    for organization in session.scalars(select(Organization)):
        assert 45.3 < organization.latitude < 45.8 and -123.1 < organization.longitude < -122.3, organization.name


def test_loading_the_demo_again_adds_nothing(session):
    before = (session.scalar(select(func.count()).select_from(Organization)),
              session.scalar(select(func.count()).select_from(User)),
              session.scalar(select(func.count()).select_from(Membership)))
    assert demo.load_demo(session) == demo.DemoSummary(0, 0)
    after = (session.scalar(select(func.count()).select_from(Organization)),
             session.scalar(select(func.count()).select_from(User)),
             session.scalar(select(func.count()).select_from(Membership)))
    assert before == after


def test_reset_restores_the_demo_after_changes(session):
    session.get(Organization, session.scalar(select(Organization.id).limit(1))).name = "Renamed"
    summary = demo.reset_demo(session)
    assert summary.organizations_created == len(demo.ORGANIZATIONS)
    assert session.scalar(select(Organization).where(Organization.name == "Renamed")) is None


@pytest.mark.parametrize("role", sorted(ROLE_EMAILS))
def test_each_demo_login_reaches_its_home_page(client, role):
    assert sign_in(client, ROLE_EMAILS[role]).status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert "Hello," in html


def test_the_coalition_admin_home_shows_coalition_counts_and_others_do_not(login_as, app):
    html = login_as("backbone").get("/").get_data(as_text=True)
    assert '<h2 id="coalition-heading">The coalition</h2>' in html and "Add a partner organization" in html
    other = app.test_client()
    sign_in(other, ROLE_EMAILS["shelter"])
    assert 'id="coalition-heading"' not in other.get("/").get_data(as_text=True)


def test_the_cli_loads_and_prints_logins(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "logins"])
    assert result.exit_code == 0
    assert "backbone@example.org" in result.output and "feedingourcity" in result.output
