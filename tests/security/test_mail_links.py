"""Links in e-mails (and feeds) come from BASE_URL, never from the request's Host header.

Every kind of message is produced with a forged ``Host: evil.example`` and must link to the configured
site only; without BASE_URL nothing is sent rather than a link guessed; TRUSTED_HOSTS refuses other hosts.
"""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from coalition import jobs, mail_links
from coalition.config import Config
from coalition.models import Audience, Invitation, Notification, User
from coalition.services import communication, rescues
from tests.fixtures.web import csrf_token_from, sign_in
from tests.smtp_server import SMTPTestServer

SITE = "https://coalition.example.org"
FORGED = "evil.example"
LINK = re.compile(r"(?:https?|webcal)://[^\s/\"'<>]+")


def assert_only_site_links(text: str) -> None:
    hosts = set(LINK.findall(text))
    assert hosts, "the message has no link"
    assert FORGED not in text
    assert hosts <= {SITE, SITE.replace("https://", "webcal://")}, hosts


@pytest.fixture
def site(app, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", SITE)


@pytest.fixture
def smtp(app, monkeypatch):
    with SMTPTestServer() as server:
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
        yield server


@pytest.fixture
def forged(client):
    """The test client, every request of it sent with a forged Host header."""
    client.environ_base["HTTP_HOST"] = FORGED
    return client


def _post(client, page: str, url: str, data: dict, **kwargs):
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token}, **kwargs)


def _mail_to(smtp, address: str) -> str:
    bodies = [m.get_payload() for to, m in smtp.messages if to == [address]]
    assert bodies, f"nothing was mailed to {address}"
    return bodies[-1]


# --- each kind of message, with a forged Host ---------------------------------------------------------------

def test_a_password_reset_link_points_at_the_site(site, smtp, forged):
    response = _post(forged, "/password/forgot", "/password/forgot", {"email": "farmer@example.org"})
    assert response.status_code == 302
    body = _mail_to(smtp, "farmer@example.org")
    assert_only_site_links(body)
    assert f"{SITE}/password/reset/" in body


def test_an_invitation_link_points_at_the_site(site, smtp, forged, org):
    store = org("Hawthorne Green Grocer")
    assert sign_in(forged, "grocer@example.org").status_code == 302
    people = f"/organizations/{store.id}/people"
    response = _post(forged, people, f"{people}/invite", {"email": "new.helper@example.org", "role": "staff"})
    assert response.status_code == 302
    body = _mail_to(smtp, "new.helper@example.org")
    assert_only_site_links(body)
    assert f"{SITE}/invitations/" in body


def test_an_invitation_shown_to_the_admin_without_smtp_points_at_the_site(site, forged, org):
    store = org("Hawthorne Green Grocer")
    assert sign_in(forged, "grocer@example.org").status_code == 302
    people = f"/organizations/{store.id}/people"
    response = _post(forged, people, f"{people}/invite", {"email": "other.helper@example.org", "role": "staff"},
                     follow_redirects=True)
    html = response.get_data(as_text=True)
    assert f"{SITE}/invitations/" in html and f"{FORGED}/invitations/" not in html


def test_partner_import_invitations_point_at_the_site(site, smtp, forged, stand_in_geocoder):
    """The coalition admin's spreadsheet import e-mails each admin_email an invitation on BASE_URL."""
    from tests.app.services.test_partner_import import GOOD

    assert sign_in(forged, "backbone@example.org").status_code == 302
    response = _post(forged, "/organizations/import", "/organizations/import", {"action": "import", "csv_text": GOOD})
    assert response.status_code == 200 and "imported 3" in response.get_data(as_text=True)
    body = _mail_to(smtp, "morrison@example.org")
    assert_only_site_links(body)
    assert f"{SITE}/invitations/" in body


def test_a_reporting_reminder_links_to_the_site(site, smtp, forged):
    assert sign_in(forged, "backbone@example.org").status_code == 302
    response = _post(forged, "/measurement/reports", "/measurement/reports/remind", {"period": "2026-10"})
    assert response.status_code == 302
    reminders = [m.get_payload() for _to, m in smtp.messages]
    assert reminders, "no reminder was mailed"
    for body in reminders:
        assert_only_site_links(body)


def test_notification_emails_link_to_the_site_even_when_sent_during_a_forged_request(
        app, site, smtp, session, make_donation, org, user, now, window):
    from coalition.services import claims

    donation = make_donation(kg=20)
    claims.claim_line(session, user("foodbank@example.org"), donation.lines[0].id, org("Columbia Regional Food Bank"),
                      5, *window, now)
    session.commit()
    donation_id = donation.id
    with app.test_request_context("/", headers={"Host": FORGED}):
        result = jobs.run_periodic(session, now, app.config)
    assert result.errors == [] and result.emails_sent >= 1
    body = _mail_to(smtp, "grocer@example.org")
    assert_only_site_links(body)
    assert f"{SITE}/donations/{donation_id}" in body


def test_a_daily_digest_links_to_the_site(app, site, smtp, session, user, now):
    tz = ZoneInfo(app.config["COALITION_TIMEZONE"])
    shelter_admin = user("shelter@example.org")
    communication.set_daily_digest(session, shelter_admin, True)
    communication.post_announcement(session, user("backbone@example.org"), "Cold snap", "Warming centres open.",
                                    Audience.KIND, "shelter", now)
    session.commit()
    morning = dt.datetime.combine(now.astimezone(tz).date() + dt.timedelta(days=1), dt.time(9), tz)
    with app.test_request_context("/", headers={"Host": FORGED}):
        assert communication.periodic(session, morning.astimezone(dt.timezone.utc), app.config,
                                      mail_links.absolute_url) >= 1
    assert_only_site_links(_mail_to(smtp, "shelter@example.org"))


def test_the_drivers_calendar_feed_and_its_address_name_the_site(site, forged, session):
    driver = session.scalar(select(User).where(User.email == "driver@example.org"))
    feed = forged.get(f"/driver/calendar/{rescues.calendar_token(driver)}.ics")
    assert feed.status_code == 200 and FORGED not in feed.get_data(as_text=True)
    assert sign_in(forged, "driver@example.org").status_code == 302
    page = forged.get("/driver/calendar").get_data(as_text=True)
    assert f"{SITE}/driver/calendar/" in page and FORGED not in page


# --- without BASE_URL nothing is guessed ---------------------------------------------------------------------

@pytest.fixture
def no_site(app, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", None)
    monkeypatch.setitem(app.config, "SERVER_NAME", None)


def test_without_base_url_a_password_reset_is_refused_for_every_address(no_site, smtp, client, caplog):
    for email in ("farmer@example.org", "nobody@example.org"):
        response = _post(client, "/password/forgot", "/password/forgot", {"email": email})
        assert response.status_code == 503
        assert "administrator" in response.get_data(as_text=True)
    assert smtp.messages == []
    assert "BASE_URL is not set" in caplog.text


def test_without_base_url_an_invitation_is_refused_and_nothing_saved(no_site, login_as, session, org):
    client = login_as("grocer")
    store = org("Hawthorne Green Grocer")
    people = f"/organizations/{store.id}/people"
    response = _post(client, people, f"{people}/invite", {"email": "new.helper@example.org", "role": "staff"})
    assert response.status_code == 503 and "BASE_URL" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Invitation)
                          .where(Invitation.email == "new.helper@example.org")) == 0


def test_without_base_url_the_reminder_is_refused_with_a_message_to_the_admin(no_site, smtp, login_as):
    client = login_as("backbone")
    response = _post(client, "/measurement/reports", "/measurement/reports/remind", {"period": "2026-10"},
                     follow_redirects=True)
    assert "BASE_URL" in response.get_data(as_text=True)
    assert smtp.messages == []


def test_without_base_url_the_job_sends_no_link_and_marks_nothing_sent(
        app, no_site, smtp, session, make_donation, org, user, now, window):
    from coalition.services import claims

    donation = make_donation(kg=20)
    claims.claim_line(session, user("foodbank@example.org"), donation.lines[0].id, org("Columbia Regional Food Bank"),
                      5, *window, now)
    session.commit()
    with app.app_context():
        result = jobs.run_periodic(session, now, app.config)
    assert any("BASE_URL" in error for error in result.errors)
    assert [m for _to, m in smtp.messages if f"/donations/{donation.id}" in m.get_payload()] == []
    pending = session.scalar(select(func.count()).select_from(Notification).where(
        Notification.send_email.is_(True), Notification.emailed_at.is_(None)))
    assert pending >= 1, "the notifications stay pending until BASE_URL is set"


def test_server_name_serves_when_base_url_is_unset(app, no_site, monkeypatch):
    from coalition.mail_links import absolute_url, configured_base_url

    monkeypatch.setitem(app.config, "SERVER_NAME", "coalition.example.org")
    monkeypatch.setitem(app.config, "PREFERRED_URL_SCHEME", "https")
    with app.app_context():
        assert absolute_url("driver.index") == "https://coalition.example.org/driver/"
    assert configured_base_url({"BASE_URL": "https://coalition.example.org/food/"}) == "https://coalition.example.org/food"


def test_a_base_url_with_a_path_keeps_it(app, monkeypatch):
    from coalition.mail_links import absolute_url

    monkeypatch.setitem(app.config, "BASE_URL", "https://coalition.example.org/food/")
    with app.app_context():
        assert absolute_url("driver.index") == "https://coalition.example.org/food/driver/"


# --- trusted hosts --------------------------------------------------------------------------------------------

def test_trusted_hosts_refuse_a_request_for_another_host(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", ["coalition.example.org"])
    refused = client.get("/signin", headers={"Host": FORGED})
    assert refused.status_code == 400 and FORGED not in refused.get_data(as_text=True)
    assert client.get("/signin", headers={"Host": "coalition.example.org"}).status_code == 200


def test_trusted_hosts_default_to_base_urls_host_and_base_url_has_no_default(tmp_path, monkeypatch):
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    monkeypatch.delenv("BASE_URL", raising=False)
    assert Config(tmp_path).BASE_URL is None and Config(tmp_path).TRUSTED_HOSTS is None
    monkeypatch.setenv("BASE_URL", "https://coalition.example.org:8443/")
    assert Config(tmp_path).TRUSTED_HOSTS == ["coalition.example.org"]
    monkeypatch.setenv("TRUSTED_HOSTS", "coalition.example.org, www.coalition.example.org")
    assert Config(tmp_path).TRUSTED_HOSTS == ["coalition.example.org", "www.coalition.example.org"]
