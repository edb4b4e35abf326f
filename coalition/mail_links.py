"""Absolute addresses of the app's pages, for links in e-mails.

An e-mail is read outside any request, so its links are built from the configured ``BASE_URL``
(never from a request's Host header) with the app's own routes. This is the one place that
does it: the notification and digest e-mails receive :func:`absolute_url` from their caller.
"""
from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from flask import current_app


def absolute_url(endpoint: str, args: Mapping | None = None) -> str:
    """The absolute address of ``endpoint`` with ``args`` under ``BASE_URL``; needs the app's context.

    Raises werkzeug's ``BuildError`` when the endpoint does not exist or lacks an argument.
    """
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path.rstrip("/") or "/",
                                       url_scheme=base.scheme or "http")
    return adapter.build(endpoint, dict(args or {}), force_external=True)
