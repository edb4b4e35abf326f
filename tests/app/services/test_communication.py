"""Continuous communication: announcements and read receipts, meetings and action items, overdue reminders,
inboxes, and e-mail at once or as a daily digest through a real local SMTP server."""
from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from coalition import jobs, mail_links
from coalition.errors import PermissionDenied, ValidationError
from coalition.models import (
    ActionItem, Announcement, Audience, Meeting, Neighborhood, Notification, NotificationKind, Organization,
    OrganizationKind,
)
from coalition.services import communication, notifications
from tests.fixtures.web import csrf_token_from
from tests.smtp_server import SMTPTestServer

SHELTER = "Old Town Night Shelter"
GROCER = "Hawthorne Green Grocer"
TZ = ZoneInfo("America/Los_Angeles")


@pytest.fixture
def backbone(user):
    return user("backbone@example.org")


@pytest.fixture
def smtp(app, monkeypatch):
    with SMTPTestServer() as server:
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
        # E-mail links are built with the app's routes, as the job does in its app context.
        with app.app_context():
            yield server


def _announce(session, backbone, now, audience=Audience.KIND, value="shelter", title="Cold snap"):
    return communication.post_announcement(session, backbone, title, "Warming centres open tonight.", audience, value, now)


# --- announcements ---------------------------------------------------------------------------

def test_an_announcement_to_a_kind_reaches_exactly_those_partners(session, backbone, now):
    announcement = _announce(session, backbone, now)
    assert {r.organization.kind.value for r in announcement.receipts} == {"shelter"}
    assert len(announcement.receipts) == 4
    everyone = _announce(session, backbone, now, Audience.ALL, "", title="Annual meeting")
    assert "Feeding Our City Backbone" not in {r.organization.name for r in everyone.receipts}
    partners = session.scalar(select(func.count()).select_from(Organization).where(
        Organization.active.is_(True), Organization.kind != OrganizationKind.BACKBONE))
    assert len(everyone.receipts) == partners


def test_an_announcement_to_a_neighborhood_reaches_partners_inside_its_polygon(session, backbone, org, now):
    # A small square around the Old Town shelter (45.5245, -122.6763), nobody else's site inside.
    ring = [[-122.68, 45.522], [-122.672, 45.522], [-122.672, 45.527], [-122.68, 45.527], [-122.68, 45.522]]
    hood = Neighborhood(name="Old Town test", population=1000, food_insecurity_pct=10,
                        geometry=json.dumps({"type": "Polygon", "coordinates": [ring]}), min_lon=-122.68,
                        min_lat=45.522, max_lon=-122.672, max_lat=45.527, centroid_lat=45.5245, centroid_lon=-122.676)
    session.add(hood)
    session.flush()
    announcement = _announce(session, backbone, now, Audience.NEIGHBORHOOD, str(hood.id))
    assert [r.organization.name for r in announcement.receipts] == [SHELTER]
    assert announcement.audience_label == "Partners in Old Town test"


def test_only_the_backbone_broadcasts(session, user, now):
    with pytest.raises(PermissionDenied):
        communication.post_announcement(session, user("foodbank@example.org"), "Hi", "All", Audience.ALL, "", now)


def test_bad_announcements_name_each_field_and_save_nothing(session, backbone, now):
    before = session.scalar(select(Announcement.id).order_by(Announcement.id.desc()).limit(1))
    with pytest.raises(ValidationError) as error:
        communication.post_announcement(session, backbone, " ", "", Audience.KIND, "spaceship", now)
    assert set(error.value.fields) == {"title", "body", "audience_value"}
    assert session.scalar(select(Announcement.id).order_by(Announcement.id.desc()).limit(1)) == before


def test_read_receipts_say_who_read_it_and_who_has_not(client, login_as, session, backbone, org, user, now):
    announcement_id = _announce(session, backbone, now).id
    session.commit()
    login_as("shelter")
    page = client.get(f"/communication/announcements/{announcement_id}").get_data(as_text=True)
    assert "Warming centres open tonight." in page and "Read receipts" not in page   # receipts are the backbone's
    receipts = communication.receipts_of(session.get(Announcement, announcement_id))
    assert [(r.organization.name, r.read_by.email) for r in receipts.read] == [(SHELTER, "shelter@example.org")]
    assert SHELTER not in {r.organization.name for r in receipts.unread} and len(receipts.unread) == 3
    client.post("/signout", data={"csrf_token": csrf_token_from(page)})
    login_as("backbone")
    page = client.get(f"/communication/announcements/{announcement_id}").get_data(as_text=True)
    assert "Read by 1 of 4 organizations" in page and "Shay Shelter" in page and "Rose Family Shelter" in page


def test_a_partner_cannot_open_an_announcement_not_addressed_to_it(client, login_as, session, backbone, now):
    announcement_id = _announce(session, backbone, now).id
    session.commit()
    login_as("grocer")
    assert client.get(f"/communication/announcements/{announcement_id}").status_code == 404


def test_posting_an_announcement_from_the_page_and_bad_input_beside_the_field(client, login_as, post_form, session):
    login_as("coordinator")
    url = "/communication/announcements/new"
    response = post_form(url, {"audience_value": "kind:food_bank", "title": "", "body": "x"}, token_page=url)
    assert response.status_code == 422 and 'id="title-error"' in response.get_data(as_text=True)
    response = post_form(url, {"audience_value": "kind:food_bank", "title": "Freezer space", "body": "Who has room?"},
                         token_page=url)
    assert response.status_code == 302
    sent = session.scalar(select(Announcement).where(Announcement.title == "Freezer space"))
    assert {r.organization.kind.value for r in sent.receipts} == {"food_bank"}


# --- meetings, action items, reminders, inboxes ---------------------------------------------

def test_overdue_action_items_are_reminded_once_then_again_after_the_repeat_period(session, backbone, org, user, now):
    meeting = communication.create_meeting(session, backbone, "March coalition meeting", now, "1. Freezers", now)
    today = now.astimezone(TZ).date()
    late = communication.assign_action_item(session, backbone, meeting, org(SHELTER).id, "Count freezer space",
                                            today - dt.timedelta(days=2), now)
    communication.assign_action_item(session, backbone, meeting, org(SHELTER).id, "Not due yet", today, now)
    done = communication.assign_action_item(session, backbone, meeting, org(SHELTER).id, "Done already",
                                            today - dt.timedelta(days=5), now)
    communication.complete_action_item(session, user("shelter@example.org"), done, now)

    assert communication.remind_overdue(session, now, TZ) == 1
    assert communication.remind_overdue(session, now + dt.timedelta(hours=1), TZ) == 0
    # A week on: the late one again, and the one due today is now overdue too; the done one never.
    assert communication.remind_overdue(session, now + dt.timedelta(days=7, hours=1), TZ) == 2
    reminders = session.scalars(select(Notification).where(
        Notification.user_id == user("shelter@example.org").id, Notification.kind == NotificationKind.ACTION_REMINDER)
        .order_by(Notification.id)).all()
    assert [r.title for r in reminders] == ["Overdue: Count freezer space", "Overdue: Count freezer space",
                                           "Overdue: Not due yet"]
    assert late.reminded_at is not None


def test_action_items_need_an_organization_a_date_and_a_description(session, backbone, now):
    meeting = communication.create_meeting(session, backbone, "M", now, "", now)
    with pytest.raises(ValidationError) as error:
        communication.assign_action_item(session, backbone, meeting, None, "", None, now)
    assert set(error.value.fields) == {"organization_id", "due_on", "description"}
    with pytest.raises(PermissionDenied):
        communication.create_meeting(session, backbone.__class__(), "M", now, "", now)


def test_an_organization_sees_its_own_inbox_only(client, login_as, session, backbone, org, now):
    meeting = communication.create_meeting(session, backbone, "April meeting", now, "", now)
    communication.assign_action_item(session, backbone, meeting, org(SHELTER).id, "Share the rota",
                                     now.astimezone(TZ).date() - dt.timedelta(days=1), now)
    _announce(session, backbone, now)
    session.commit()
    login_as("shelter")
    assert client.get("/communication/inbox").headers["Location"].endswith(f"/communication/inbox/{org(SHELTER).id}")
    page = client.get(f"/communication/inbox/{org(SHELTER).id}").get_data(as_text=True)
    assert "Share the rota" in page and "overdue" in page and "Cold snap" in page and "1 unread" in page
    assert client.get(f"/communication/inbox/{org(GROCER).id}").status_code == 403


def test_the_assigned_organization_marks_its_item_done_and_others_cannot(client, login_as, post_form, session, backbone, org, now):
    meeting = communication.create_meeting(session, backbone, "May meeting", now, "", now)
    item_id = communication.assign_action_item(session, backbone, meeting, org(SHELTER).id, "Send numbers",
                                               now.date(), now).id
    session.commit()
    login_as("grocer")
    assert post_form(f"/communication/actions/{item_id}/done", {}).status_code == 403
    assert session.get(ActionItem, item_id).done_at is None
    client.post("/signout", data={"csrf_token": csrf_token_from(client.get("/").get_data(as_text=True))})
    login_as("shelter")
    assert post_form(f"/communication/actions/{item_id}/done", {}).status_code == 302
    assert session.get(ActionItem, item_id).done_at is not None


def test_minutes_and_an_action_item_from_the_meeting_page(client, login_as, post_form, session, backbone, org, now):
    meeting = communication.create_meeting(session, backbone, "June meeting", now, "", now)
    session.commit()
    url = f"/communication/meetings/{meeting.id}"
    login_as("coordinator")
    assert post_form(f"{url}/minutes", {"agenda": "1. Summer", "notes": "Talked", "decisions": "Open Sundays"},
                     token_page=url).status_code == 302
    bad = post_form(f"{url}/actions", {"description": "Rota", "organization_id": org(SHELTER).id, "due_on": "not a date"},
                    token_page=url)
    assert bad.status_code == 422 and 'id="due_on-error"' in bad.get_data(as_text=True)
    assert post_form(f"{url}/actions", {"description": "Rota", "organization_id": org(SHELTER).id, "due_on": "2030-01-02"},
                     token_page=url).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Open Sundays" in page and "Rota" in page and "Old Town Night Shelter" in page


# --- e-mail: immediate and daily digest, through a real SMTP server ---------------------------

def test_an_announcement_is_emailed_at_once_to_those_who_want_it(app, session, smtp, backbone, now):
    _announce(session, backbone, now)
    session.commit()
    jobs.run_periodic(session, now, app.config)
    to_shelter = [m for to, m in smtp.messages if to == ["shelter@example.org"]]
    assert [m["Subject"] for m in to_shelter] == ["Announcement: Cold snap"]
    assert "Warming centres open tonight." in to_shelter[0].get_payload()


def test_digest_readers_get_one_daily_email_after_the_digest_hour(app, session, smtp, backbone, org, user, now):
    shelter_admin = user("shelter@example.org")
    communication.set_daily_digest(session, shelter_admin, True)
    # Announced before the day's digest hour (07:00 local): later in the day, that day's digest would be due
    # at once, whatever the clock of the machine running the test says.
    early = dt.datetime.combine(now.astimezone(TZ).date(), dt.time(6), TZ).astimezone(dt.timezone.utc)
    _announce(session, backbone, early, title="First")
    _announce(session, backbone, early, title="Second")
    session.commit()
    # Nothing goes out at once to a digest reader.
    jobs.run_periodic(session, early, app.config)
    assert not [m for to, m in smtp.messages if to == ["shelter@example.org"]]

    local_morning = dt.datetime.combine(early.astimezone(TZ).date() + dt.timedelta(days=1), dt.time(6, 30), TZ)
    before_digest_hour = local_morning.astimezone(dt.timezone.utc)
    assert communication.periodic(session, before_digest_hour, app.config, mail_links.absolute_url) == 0   # before 07:00
    after = (local_morning + dt.timedelta(hours=1)).astimezone(dt.timezone.utc)
    communication.periodic(session, after, app.config, mail_links.absolute_url)
    digests = [m for to, m in smtp.messages if to == ["shelter@example.org"]]
    assert [m["Subject"] for m in digests] == ["Daily digest: 2 messages from the coalition"]
    body = digests[0].get_payload()
    assert "Announcement: First" in body and "Announcement: Second" in body
    assert f"{app.config['BASE_URL']}/communication/announcements/" in body   # absolute, from BASE_URL
    # Once a day: a later run the same day sends nothing more.
    communication.periodic(session, after + dt.timedelta(hours=3), app.config, mail_links.absolute_url)
    assert len([m for to, m in smtp.messages if to == ["shelter@example.org"]]) == 1


def test_the_digest_leaves_out_kinds_the_person_gets_in_the_app_only(app, session, smtp, backbone, user, now):
    shelter_admin = user("shelter@example.org")
    communication.set_daily_digest(session, shelter_admin, True)
    notifications.set_preference(session, shelter_admin, NotificationKind.ANNOUNCEMENT, in_app=True, email=False)
    _announce(session, backbone, now)
    session.commit()
    later = dt.datetime.combine(now.astimezone(TZ).date() + dt.timedelta(days=1), dt.time(9), TZ)
    communication.periodic(session, later.astimezone(dt.timezone.utc), app.config, mail_links.absolute_url)
    assert not [m for to, m in smtp.messages if to == ["shelter@example.org"]]


def test_choosing_the_digest_on_the_preferences_page(client, login_as, post_form, session, user):
    login_as("shelter")
    url = "/communication/preferences"
    assert post_form(url, {"delivery": "sometimes"}, token_page=url).status_code == 422
    assert post_form(url, {"delivery": "digest"}, token_page=url).status_code == 302
    assert communication.get_preference(session, user("shelter@example.org")).daily_digest


def test_a_deactivated_partner_is_not_reminded(session, backbone, org, now):
    meeting = communication.create_meeting(session, backbone, "M", now, "", now)
    communication.assign_action_item(session, backbone, meeting, org(SHELTER).id, "Late",
                                     now.astimezone(TZ).date() - dt.timedelta(days=3), now)
    org(SHELTER).active = False
    session.flush()
    assert communication.remind_overdue(session, now, TZ) == 0


def test_scheduling_a_meeting_needs_a_start_shown_beside_the_field(client, login_as, post_form, session):
    login_as("coordinator")
    url = "/communication/meetings/new"
    bad = post_form(url, {"title": "Quarterly", "starts_at": "", "agenda": "1. Budget"}, token_page=url)
    assert bad.status_code == 422 and 'id="starts_at-error">When does it start?' in bad.get_data(as_text=True)
    good = post_form(url, {"title": "Quarterly", "starts_at": "2030-03-04T18:30", "agenda": "1. Budget"}, token_page=url)
    assert good.status_code == 302
    meeting = session.scalar(select(Meeting).where(Meeting.title == "Quarterly"))
    assert meeting.starts_at == dt.datetime(2030, 3, 5, 2, 30, tzinfo=dt.timezone.utc)   # 18:30 in Portland


def test_partners_see_meetings_but_only_the_backbone_schedules_them(client, login_as):
    login_as("shelter")
    assert client.get("/communication/meetings/").status_code == 200
    assert client.get("/communication/meetings/new").status_code == 403
