"""The notification centre: newest first, unread highlighted and counted in the nav, read one or all, choices."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from coalition.models import Notification, NotificationKind, User
from coalition.services import notifications
from coalition.services.notifications import Page


@pytest.fixture
def grocer_notes(session, user, now):
    """Two unread notifications for the grocer (the newer one links to a donation), committed; returns their ids."""
    grocer = user("grocer@example.org")
    older = notifications.notify_user(session, grocer, NotificationKind.CLAIM_ON_DONATION, "Older news", "", Page("claims.index"),
                                      now - dt.timedelta(hours=1))
    newer = notifications.notify_user(session, grocer, NotificationKind.PICKUP_SCHEDULED, "Newer news", "body text",
                                      Page("needs.index"), now)
    session.flush()
    ids = older.id, newer.id
    session.commit()
    return ids


def _read_at(session, notification_id):
    session.expire_all()
    return session.get(Notification, notification_id).read_at


def test_the_centre_lists_newest_first_with_unread_highlighted_and_counted_in_the_nav(login_as, grocer_notes):
    html = login_as("grocer").get("/notifications/").get_data(as_text=True)
    assert html.index("Newer news") < html.index("Older news")
    assert len(re.findall(r'class="card notification unread"', html)) == 2
    nav = html.split('<nav aria-label="Main"')[1].split("</nav>")[0]
    assert re.search(r'Notifications <span class="badge"[^>]*>2<span class="skip"> unread</span>', nav)


def test_opening_a_notification_marks_it_read_and_goes_to_its_target(login_as, post_form, grocer_notes, session):
    older, newer = grocer_notes
    client = login_as("grocer")
    response = post_form(f"/notifications/{newer}/read", {"next": "/needs/"})
    assert response.status_code == 302 and response.headers["Location"] == "/needs/"
    assert _read_at(session, newer) is not None and _read_at(session, older) is None
    html = client.get("/notifications/").get_data(as_text=True)
    assert len(re.findall(r'class="card notification unread"', html)) == 1
    assert re.search(r'<span class="badge"[^>]*>1<', html)


def test_a_notification_never_sends_you_off_the_site(login_as, post_form, grocer_notes):
    login_as("grocer")
    response = post_form(f"/notifications/{grocer_notes[1]}/read", {"next": "https://evil.example/"})
    assert response.headers["Location"] == "/notifications/"


def test_mark_all_read_clears_the_badge(login_as, post_form, grocer_notes, session):
    client = login_as("grocer")
    assert post_form("/notifications/read-all", {}).status_code == 302
    assert all(_read_at(session, n) is not None for n in grocer_notes)
    html = client.get("/notifications/").get_data(as_text=True)
    assert 'class="badge"' not in html and "unread" not in html.split("</nav>")[0]


def test_someone_elses_notification_cannot_be_marked_read(login_as, post_form, grocer_notes, session):
    client = login_as("shelter")
    post_form(f"/notifications/{grocer_notes[0]}/read", {})
    post_form("/notifications/read-all", {})
    assert _read_at(session, grocer_notes[0]) is None
    assert "Older news" not in client.get("/notifications/").get_data(as_text=True)


def test_settings_show_in_app_email_and_push_per_kind_and_save_the_choice(login_as, post_form, session):
    client = login_as("foodbank")
    html = client.get("/notifications/settings").get_data(as_text=True)
    for kind in NotificationKind:
        assert kind.label in html
        assert f'name="{kind.value}_in_app"' in html and f'name="{kind.value}_email"' in html
        assert f'name="{kind.value}_push"' in html
    # Everything on except: new surplus by e-mail, and claims in the app.
    form = {f"{k.value}_{way}": "y" for k in NotificationKind for way in ("in_app", "email")}
    del form["new_surplus_email"], form["claim_on_donation_in_app"]
    assert post_form("/notifications/settings", form).status_code == 302
    food_bank = session.scalar(select(User).where(User.email == "foodbank@example.org"))
    choices = notifications.get_preferences(session, food_bank)
    assert choices[NotificationKind.NEW_SURPLUS].in_app and not choices[NotificationKind.NEW_SURPLUS].email
    assert not choices[NotificationKind.CLAIM_ON_DONATION].in_app and choices[NotificationKind.CLAIM_ON_DONATION].email
    html = client.get("/notifications/settings").get_data(as_text=True)
    assert not re.search(r'checked[^>]*name="new_surplus_email"|name="new_surplus_email"[^>]*checked', html)


def test_turning_off_in_app_hides_that_kind_from_the_centre(login_as, post_form, session, user, now):
    client = login_as("grocer")
    form = {f"{k.value}_{way}": "y" for k in NotificationKind for way in ("in_app", "email")}
    del form["claim_on_donation_in_app"], form["claim_on_donation_email"]
    post_form("/notifications/settings", form)
    notifications.notify_user(session, user("grocer@example.org"), NotificationKind.CLAIM_ON_DONATION, "Hidden claim",
                              "", None, now)
    session.commit()
    assert "Hidden claim" not in client.get("/notifications/").get_data(as_text=True)


def test_a_claim_on_a_donation_reaches_the_donors_notification_centre(login_as, post_form, make_donation, session, org, window,
                                                                     client):
    from tests.app.pages.test_supply_pages import claim_form

    line_id = make_donation(kg=20).lines[0].id
    session.commit()
    login_as("foodbank")
    post_form(f"/supply/lines/{line_id}/claim", claim_form(org("Columbia Regional Food Bank").id, 4, window))
    client.delete_cookie("session")
    html = login_as("grocer").get("/notifications/").get_data(as_text=True)
    assert "Columbia Regional Food Bank claimed 4 kg of bread and rolls" in html


def test_recipients_home_page_offers_browsing_supply_and_posting_a_need(login_as, org, client):
    html = login_as("foodbank").get("/").get_data(as_text=True)
    food_bank_id = org("Columbia Regional Food Bank").id
    assert f'href="/supply/?org={food_bank_id}"><strong>Browse open supply</strong>' in html
    assert f'href="/needs/new?org={food_bank_id}"><strong>Post a need</strong>' in html
    client.delete_cookie("session")
    assert "Browse open supply" not in login_as("grocer").get("/").get_data(as_text=True)


def test_nav_links_follow_the_permissions(login_as, client):
    nav = lambda html: html.split('<nav aria-label="Main"')[1].split("</nav>")[0]  # noqa: E731
    recipient = nav(login_as("shelter").get("/").get_data(as_text=True))
    assert all(f'href="/{area}/"' in recipient for area in ("supply", "claims", "needs", "notifications"))
    client.delete_cookie("session")
    driver = nav(login_as("driver").get("/").get_data(as_text=True))
    assert 'href="/supply/"' not in driver and 'href="/needs/"' not in driver and 'href="/notifications/"' in driver
    client.delete_cookie("session")
    grocer = nav(login_as("grocer").get("/").get_data(as_text=True))
    assert 'href="/needs/"' in grocer and 'href="/supply/"' not in grocer


def test_a_claim_stores_the_donation_page_as_endpoint_and_ids_and_the_centre_links_to_it(
        login_as, make_donation, session, org, user, now, window):
    """The service stores no path: (endpoint, args); the page builds the address from them."""
    from coalition.services import claims

    donation = make_donation(kg=20)
    claims.claim_line(session, user("foodbank@example.org"), donation.lines[0].id, org("Columbia Regional Food Bank"),
                      4, *window, now)
    donation_id = donation.id
    session.commit()
    note = session.scalar(select(Notification).where(Notification.user_id == user("grocer@example.org").id,
                                                     Notification.kind == NotificationKind.CLAIM_ON_DONATION))
    assert (note.link_endpoint, note.link_args) == ("donations.detail", {"donation_id": donation_id})
    html = login_as("grocer").get("/notifications/").get_data(as_text=True)
    assert f'<input type="hidden" name="next" value="/donations/{donation_id}">' in html


def test_a_notification_about_a_page_the_app_no_longer_has_shows_without_a_link(login_as, session, user, now):
    """A stored endpoint can outlive its route: the notification still shows, with nothing to open."""
    notifications.notify_user(session, user("grocer@example.org"), NotificationKind.CANCELLED, "Old news", "",
                              Page("gone.away", {"thing_id": 1}), now)
    session.commit()
    response = login_as("grocer").get("/notifications/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Old news" in html
    assert html.count('name="next"') == 0


def _settings_form(**extra):
    form = {f"{k.value}_{way}": "y" for k in NotificationKind for way in ("in_app", "email", "push")}
    return {**form, **extra}


def test_the_settings_page_saves_quiet_hours_and_shows_a_bad_time_beside_its_field(login_as, post_form, session):
    client = login_as("driver")
    assert 'name="quiet_start"' in client.get("/notifications/settings").get_data(as_text=True)
    assert post_form("/notifications/settings", _settings_form(quiet_start="22:30", quiet_end="06:45"),
                     "/notifications/settings").status_code == 302
    def quiet_hours():
        session.expire_all()
        driver = session.scalar(select(User).where(User.email == "driver@example.org"))
        return driver.quiet_start, driver.quiet_end

    assert quiet_hours() == ("22:30", "06:45")
    response = post_form("/notifications/settings", _settings_form(quiet_start="22:30", quiet_end="later"),
                         "/notifications/settings")
    assert response.status_code == 422 and "A time such as 22:00." in response.get_data(as_text=True)
    assert quiet_hours() == ("22:30", "06:45")   # nothing half-saved
