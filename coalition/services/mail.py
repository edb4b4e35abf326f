"""Outgoing e-mail: SMTP when configured, otherwise the message goes to the log."""
from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MailSettings:
    server: str | None
    port: int = 25
    username: str | None = None
    password: str | None = None
    use_tls: bool = False
    sender: str = "no-reply@feedingourcity.example"

    @classmethod
    def from_config(cls, config) -> MailSettings:
        return cls(
            server=config.get("MAIL_SERVER"),
            port=config.get("MAIL_PORT", 25),
            username=config.get("MAIL_USERNAME"),
            password=config.get("MAIL_PASSWORD"),
            use_tls=config.get("MAIL_USE_TLS", False),
            sender=config.get("MAIL_FROM", cls.sender),
        )


def send_mail(settings: MailSettings, to: str, subject: str, body: str) -> bool:
    """Send a plain-text message. Returns True when it went out by SMTP.

    Without an SMTP server the message is written to the log and False is
    returned, so the caller can show any link in it to the person acting.
    A failing SMTP server is logged and also returns False: an invitation
    must not be lost because mail is down.
    """
    if not settings.server:
        log.info("mail (no SMTP configured) to=%s subject=%s\n%s", to, subject, body)
        return False
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        with smtplib.SMTP(settings.server, settings.port, timeout=10) as smtp:
            if settings.use_tls:
                smtp.starttls()
            if settings.username:
                smtp.login(settings.username, settings.password or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        log.exception("mail to %s failed; message follows\n%s", to, body)
        return False
    return True
