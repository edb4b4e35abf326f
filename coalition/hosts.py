"""Where a request really came from: the trusted hosts it may name, and the trusted proxies it passed."""
from __future__ import annotations

from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix


def refuse_untrusted_hosts(app) -> None:
    """Answer a request for a host outside ``TRUSTED_HOSTS`` (Flask checks it) with a plain 400.

    Such a request has no URL adapter, so the usual error page (which links to the site's pages)
    cannot be drawn; and nothing from it should be echoed back.
    """

    @app.errorhandler(SecurityError)
    def _untrusted_host(_error):
        return "Bad request: this server does not answer for that host name.", 400, {"Content-Type": "text/plain"}


def trust_proxies(app) -> None:
    """Take the client address and scheme from ``X-Forwarded-For``/``-Proto`` set by the last
    ``TRUSTED_PROXIES`` proxies (default 0: the headers are ignored, the socket's peer is the client).

    Only as many hops as are configured are believed, so a client cannot choose its own address (which
    sign-in and password-reset throttling count by) by sending the header itself. The Host is never
    taken from ``X-Forwarded-Host``: links in e-mails come from BASE_URL and TRUSTED_HOSTS checks Host.
    """
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)
