"""E-mail goes out by SMTP when configured; otherwise the invitation link is shown to the admin."""
from __future__ import annotations

from coalition.services.mail import MailSettings, send_mail
from tests.fixtures.web import csrf_token_from
from tests.smtp_server import SMTPTestServer


def test_send_mail_delivers_through_a_real_smtp_server():
    with SMTPTestServer() as server:
        sent = send_mail(MailSettings(server="127.0.0.1", port=server.port, sender="hub@example.org"),
                         "pantry@example.org", "Hello", "Body text")
    assert sent is True
    [(recipients, message)] = server.messages
    assert recipients == ["pantry@example.org"]
    assert message["Subject"] == "Hello" and message["From"] == "hub@example.org"
    assert "Body text" in message.get_payload()


def test_an_unreachable_smtp_server_is_reported_not_raised():
    assert send_mail(MailSettings(server="127.0.0.1", port=1), "a@example.org", "s", "b") is False


def test_with_smtp_configured_the_invitation_is_mailed_not_shown(login_as, app, monkeypatch, org):
    client = login_as("grocer")
    store = org("Hawthorne Green Grocer")
    with SMTPTestServer() as server:
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
        monkeypatch.setitem(app.config, "COALITION_NAME", "Riverside Food Coalition")
        page = client.get(f"/organizations/{store.id}/people").get_data(as_text=True)
        response = client.post(f"/organizations/{store.id}/people/invite",
                               data={"email": "newdriver@example.org", "role": "driver", "csrf_token": csrf_token_from(page)},
                               follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Invitation e-mailed to newdriver@example.org" in html
    assert "/invitations/" not in html
    [(recipients, message)] = server.messages
    assert recipients == ["newdriver@example.org"]
    assert message["Subject"] == "You are invited to Hawthorne Green Grocer on Riverside Food Coalition"
    assert "/invitations/" in message.get_payload()


def test_without_smtp_the_invitation_link_is_shown_and_logged(login_as, org, caplog):
    caplog.set_level("INFO")
    client = login_as("grocer")
    store = org("Hawthorne Green Grocer")
    page = client.get(f"/organizations/{store.id}/people").get_data(as_text=True)
    response = client.post(f"/organizations/{store.id}/people/invite",
                           data={"email": "helper@example.org", "role": "staff", "csrf_token": csrf_token_from(page)},
                           follow_redirects=True)
    assert "send this link to helper@example.org yourself" in response.get_data(as_text=True)
    assert "/invitations/" in caplog.text
    assert "helper@example.org" in response.get_data(as_text=True)
