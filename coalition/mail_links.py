"""Absolute addresses of the app's pages, for links in e-mails and calendar feeds.

An e-mail is read outside any request, so its links are built from the configured ``BASE_URL``
(or ``SERVER_NAME``), never from a request's Host header, which whoever sends the request chooses:
a reset or invitation link built from it would carry its secret to the attacker's host. This is the
one place that builds them, with the app's own routes (no request needed); the notification and digest
e-mails receive :func:`absolute_url` from their caller. Without a configured address nothing is guessed:
:class:`MailLinksNotConfigured` is raised and the message is not sent.
"""
from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from flask import current_app

from coalition.errors import RuleError


class MailLinksNotConfigured(RuleError):
    """No BASE_URL (or SERVER_NAME) is configured, so a link in a message cannot be made.

    A rule error, not an access error: the page shows it to the person acting (an admin can fix it);
    in a background job it fails the step, which is logged, and the messages wait.
    """

    status_code = 503


REFUSAL = ("This server does not know its own address, so it sends no links by e-mail. "
           "The administrator must set BASE_URL (for example https://coalition.example.org).")


def configured_base_url(config: Mapping) -> str | None:
    """The site's absolute address without a trailing slash: ``BASE_URL``, else built from ``SERVER_NAME``
    (with ``PREFERRED_URL_SCHEME`` and ``APPLICATION_ROOT``), else None."""
    base = (config.get("BASE_URL") or "").strip()
    if base:
        return base.rstrip("/")
    server_name = (config.get("SERVER_NAME") or "").strip()
    if server_name:
        scheme = config.get("PREFERRED_URL_SCHEME") or "http"
        root = (config.get("APPLICATION_ROOT") or "/").rstrip("/")
        return f"{scheme}://{server_name}{root}"
    return None


def absolute_url(endpoint: str, args: Mapping | None = None) -> str:
    """The absolute address of ``endpoint`` with ``args`` under the configured site address; needs the
    app's context, never a request's.

    Raises MailLinksNotConfigured when neither BASE_URL nor SERVER_NAME is set, and werkzeug's
    ``BuildError`` when the endpoint does not exist or lacks an argument.
    """
    configured = configured_base_url(current_app.config)
    if configured is None:
        raise MailLinksNotConfigured(REFUSAL)
    base = urlsplit(configured)
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path.rstrip("/") or "/",
                                       url_scheme=base.scheme or "http")
    return adapter.build(endpoint, dict(args or {}), force_external=True)
