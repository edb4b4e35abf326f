"""The header, the phone's bottom bar and the plan review's route lines.

The header carries the coalition's name, the unread count and a menu button before the menu itself; the
bottom bar's shortcuts come from the links table (its ``bottom_bar`` priorities) under the menu's own
rules; the plan review folds each route to one summary line with its warnings.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import html as html_text
import re

import pytest
from flask import url_for

from coalition.models.route_plan import StopKind
from coalition.services import navigation
from tests.fixtures.planning import add_shift, plan_now
from tests.fixtures.web import ROLE_EMAILS


def _bar(html: str) -> list[tuple[str, str]]:
    """(address, title) of each link on the page's bottom bar, in order; [] when it has none."""
    if '<nav aria-label="Shortcuts"' not in html:
        return []
    bar = html.split('<nav aria-label="Shortcuts"')[1].split("</nav>")[0]
    return [(html_text.unescape(href), html_text.unescape(title))
            for href, title in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', bar)]


def _header(html: str) -> str:
    return html.split('<header class="topbar"')[1].split("</header>")[0]


@pytest.mark.parametrize("role", list(ROLE_EMAILS))
def test_the_bottom_bar_shows_the_tables_shortcuts_that_the_menu_allows_the_role(app, login_as, user, role):
    """Each role's bar is its menu's entries with a bottom-bar priority, most important first, at most four."""
    person = user(ROLE_EMAILS[role])
    menu = [step.endpoint for step in navigation.menu_for(person)]
    expected = [step for step in navigation.bottom_bar_for(person)]
    assert 1 <= len(expected) <= navigation.BOTTOM_BAR_SIZE
    assert all(step.endpoint in menu for step in expected), "a shortcut the menu does not show"
    with app.test_request_context():
        addresses = [(url_for(step.endpoint, **step.args), step.title) for step in expected]
    assert _bar(login_as(role).get("/").get_data(as_text=True)) == addresses


def test_each_roles_shortcuts_are_its_daily_work(user):
    """The priorities put a driver's route, a donor's postings and a coordinator's routes first."""
    titles = {role: [step.title for step in navigation.bottom_bar_for(user(email))] for role, email in ROLE_EMAILS.items()}
    assert titles["driver"][:3] == ["My route", "Shifts", "Notifications"]
    assert titles["grocer"][0] == "Donate" and "Notifications" in titles["grocer"]
    assert titles["coordinator"][0] == "Routes"
    assert titles["foodbank"][:2] == ["Supply", "Claims"]
    assert titles["city"][:2] == ["Notifications", "Progress"]


def test_changing_a_priority_in_the_table_changes_the_bar(login_as, monkeypatch):
    """Give "Partners" the first place in the table: the driver's bar leads with it and keeps four entries."""
    changed = tuple(dataclasses.replace(link, bottom_bar=0) if link.endpoint == "organizations.index" else link
                    for link in navigation.LINKS)
    monkeypatch.setattr(navigation, "LINKS", changed)
    bar = _bar(login_as("driver").get("/").get_data(as_text=True))
    assert [title for _, title in bar] == ["Partners", "My route", "Shifts", "Notifications"]


def test_a_visitor_who_is_not_signed_in_gets_no_menu_button_and_no_bar(client):
    html = client.get("/signin").get_data(as_text=True)
    assert 'id="menu-button"' not in html and _bar(html) == [] and "js/menu.js" not in html


@pytest.mark.parametrize("role", list(ROLE_EMAILS))
def test_the_header_holds_the_name_the_menu_button_and_the_tables_menu(app, login_as, user, role):
    """The button comes before the menu it folds and names it; the menu keeps the table's entries."""
    html = login_as(role).get("/").get_data(as_text=True)
    header = _header(html)
    assert f'>{app.config["COALITION_NAME"]}</a>' in header
    button = header.index('id="menu-button"')
    assert 'aria-controls="main-nav"' in header[button - 120:button + 120] and button < header.index('id="main-nav"')
    with app.test_request_context():
        menu = [url_for(step.endpoint, **step.args) for step in navigation.menu_for(user(ROLE_EMAILS[role]))]
    nav = header.split('id="main-nav"')[1]
    assert re.findall(r'<a href="([^"]+)">', nav) == menu
    assert "style=" not in header and "<script>" not in html


def test_the_unread_count_sits_in_the_header_line_beside_the_name(session, login_as, user, now):
    from coalition.models.notification import NotificationKind
    from coalition.services import notifications

    driver = user("driver@example.org")
    notifications.notify_user(session, driver, NotificationKind.PICKUP_SCHEDULED, "Your route changed",
                              "Two stops were added.", None, now)
    session.commit()
    expected = notifications.count_unread(session, driver)
    header = _header(login_as("driver").get("/").get_data(as_text=True))
    unread = re.search(r'<a class="unread" href="/notifications/">(\d+)<span class="skip"> unread notifications', header)
    assert unread and int(unread.group(1)) == expected >= 1
    assert header.index('class="unread"') < header.index('id="menu-button"')


def test_the_plan_review_folds_each_route_to_one_line_and_names_late_stops(session, login_as, user, org, now, day):
    """Every route is a closed <details> whose summary gives its driver, stops, kg, km and times; a stop
    served after its window closes is counted as late on that line."""
    from coalition.models.route_plan import Stop

    add_shift(session, user, org, now)
    plan = plan_now(session, user, day, now)
    session.commit()   # run_plan flushes; the job would commit
    plan_id, route_ids, route = plan.id, [r.id for r in plan.routes], plan.routes[0]
    kg = sum(s.claim.quantity_kg for s in route.stops if s.kind is StopKind.PICKUP)
    expected = f"Dana Driver {len(route.stops)} stops · {kg:g} kg · {route.distance_m / 1000:.1f} km"
    delivery_id = next(s.id for s in route.stops if s.kind is StopKind.DELIVERY)
    coordinator = login_as("coordinator")
    html = coordinator.get(f"/planning/plans/{plan_id}").get_data(as_text=True)
    lines = re.findall(r'<details class="route" id="route-(\d+)">\s*<summary>(.*?)</summary>', html, flags=re.S)
    assert [int(route_id) for route_id, _ in lines] == route_ids
    summary = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", lines[0][1]))
    assert expected in summary
    assert "late" not in summary and "<details class=\"route\" open" not in html

    delivery = session.get(Stop, delivery_id)
    delivery.service_start_at = delivery.claim.delivery_end + dt.timedelta(minutes=20)
    session.commit()
    html = coordinator.get(f"/planning/plans/{plan_id}").get_data(as_text=True)
    summary = html.split(f'id="route-{route_ids[0]}">')[1].split("</summary>")[0]
    assert '<span class="warning">1 late</span>' in summary
