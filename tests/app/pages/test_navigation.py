"""The links table: it drives both the menu and the home page, and points people only where they may go.

The walk asks the table's rules, as each demo role, which links it allows (menu entries for the person,
home entries for each of their memberships), opens each of them, and checks against the route rules
(``tests/app/pages/route_rules/``) that every page of the table it does not allow would refuse that role.
"""
from __future__ import annotations

import dataclasses
import html as html_text
import re

import pytest
from flask import url_for

from coalition.permissions import MemberCapacity
from coalition.services import home, navigation
from tests.fixtures.web import ROLE_EMAILS, sign_in
from tests.app.pages.route_rules import RULES

# Pages the route rules open to more roles than the table points there, and why.
OPEN_BEYOND_THE_TABLE = {
    # Open to everyone signed in (each sees what they may rate or flag); the home page points the
    # people of donors and recipients to it.
    "feedback.index": {"backbone", "coordinator", "city", "driver"},
    # The backbone is sent on to readiness.index, which its home page shows.
    "readiness.profile": {"backbone", "coordinator"},
    # The backbone posts needs for a recipient from the needs list ("Needs" in its menu), and reads
    # any donor's receipts from the recovery report (on its home page), not from its own card.
    "needs.create": {"backbone", "coordinator"},
    "reports.receipts_index": {"backbone", "coordinator"},
    # A partner's home page points to the funder report only while it funds a grant: the route walk's
    # city agency funds one, this walk's does not.
    "funding.report": {"city"},
    # Other members who open the backbone's dashboard address are sent on to the shared progress
    # page, which their menu and home page show.
    "measurement.dashboard": {"grocer", "grocer_staff", "farmer", "foodbank", "shelter", "city", "driver"},
}


def _allowed(person) -> set[tuple[str, tuple]]:
    """(endpoint, args) of every link whose rule allows ``person``: menu entries, and home entries for
    each active membership, before ``when`` and ``unless`` (which only ever hide)."""
    found = {(link.endpoint, ()) for link in navigation.links_in(navigation.Place.MENU) if link.permits(person)}
    for membership in person.active_memberships():
        capacity, organization = MemberCapacity(membership), membership.organization
        found |= {(link.endpoint, tuple(sorted(link.args(organization).items())))
                  for link in navigation.links_in(navigation.Place.HOME) if link.permits(capacity, organization)}
    return found


def _shown(session, person) -> set[tuple[str, tuple]]:
    steps = navigation.menu_for(person) + [s for card in home.build_home(session, person).cards for s in card.steps]
    return {(step.endpoint, tuple(sorted(step.args.items()))) for step in steps}


def _addresses(app, links) -> list[tuple[str, str]]:
    """(address, title) of (endpoint, args, title) triples. Plain values in, plain values out: leaving the
    request context removes the test's session, as a request does."""
    with app.test_request_context():
        return [(url_for(endpoint, **dict(args)), title) for endpoint, args, title in links]


def _nav_and_steps(html: str) -> tuple[list, list]:
    nav = html.split('<nav aria-label="Main"')[1].split("</nav>")[0]
    menu = [(html_text.unescape(href), html_text.unescape(re.sub(r"<[^>]+>.*", "", text, flags=re.S)))
            for href, text in re.findall(r'<a href="([^"]+)">(.*?)</a>', nav, flags=re.S)]
    steps = [(html_text.unescape(href), html_text.unescape(title))
             for href, title in re.findall(r'<a class="step" href="([^"]+)"><strong>([^<]+)</strong>', html)]
    return menu, steps


@pytest.mark.parametrize("role", list(ROLE_EMAILS))
def test_each_link_the_table_allows_opens_and_each_one_it_does_not_is_refused(app, client, session, user, role):
    person = user(ROLE_EMAILS[role])
    allowed = _allowed(person)
    assert _shown(session, person) <= allowed, "a link is shown that its rule does not allow"
    assert sign_in(client, ROLE_EMAILS[role]).status_code == 302
    failures = []
    for address, _ in _addresses(app, [(endpoint, args, "") for endpoint, args in sorted(allowed)]):
        response = client.get(address, follow_redirects=True)
        if response.status_code != 200:
            failures.append(f"{role} is pointed to {address} but gets {response.status_code}")
    for endpoint in {link.endpoint for link in navigation.LINKS} - {endpoint for endpoint, _ in allowed}:
        if role in RULES[endpoint][2] and role not in OPEN_BEYOND_THE_TABLE.get(endpoint, set()):
            failures.append(f"{role} may open {endpoint} but the table never points there")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", list(ROLE_EMAILS))
def test_the_menu_and_the_home_page_show_exactly_what_the_table_gives(app, login_as, session, user, role):
    person = user(ROLE_EMAILS[role])
    menu_steps = [(s.endpoint, s.args, s.title) for s in navigation.menu_for(person)]
    home_steps = [(s.endpoint, s.args, s.title) for card in home.build_home(session, person).cards for s in card.steps]
    expected_menu, expected_steps = _addresses(app, menu_steps), _addresses(app, home_steps)
    menu, steps = _nav_and_steps(login_as(role).get("/").get_data(as_text=True))
    assert menu == expected_menu
    assert steps == expected_steps


def test_changing_the_table_changes_both_the_menu_and_the_home_page(login_as, monkeypatch):
    """Retitle matching and drop planning in the table: the coordinator's menu and home page follow."""
    changed = []
    for link in navigation.LINKS:
        if link.endpoint == "planning.index":
            continue
        if link.endpoint == "matching.index":
            link = dataclasses.replace(link, title=f"Allocation ({link.place.value})")
        changed.append(link)
    monkeypatch.setattr(navigation, "LINKS", tuple(changed))
    html = login_as("coordinator").get("/").get_data(as_text=True)
    menu, steps = _nav_and_steps(html)
    assert ("/matching/", "Allocation (menu)") in menu and ("/matching/", "Allocation (home)") in steps
    assert not [href for href, _ in menu + steps if href.startswith("/planning/")]
    assert "Suggested matches" not in html and ">Routes<" not in html


def test_a_driver_card_offers_no_step_of_the_same_persons_staff_membership(session, user, org):
    """Home cards ask the rules about one membership: staff who also drive see posting only on their staff card."""
    from coalition.models import Membership, Role

    staff = user("grocer.staff@example.org")
    store = org("Hawthorne Green Grocer")
    session.add(Membership(user=staff, organization=store, role=Role.DRIVER))
    session.flush()
    cards = {card.membership.role: [s.endpoint for s in card.steps] for card in home.build_home(session, staff).cards}
    assert "donations.new" in cards[Role.STAFF] and "donations.new" not in cards[Role.DRIVER]
    assert "driver.index" in cards[Role.DRIVER] and "driver.index" not in cards[Role.STAFF]
