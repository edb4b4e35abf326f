"""The browser security headers sent with every response: HTML pages, JSON, photos, PDFs, CSV and static files.

The Content-Security-Policy runs scripts and styles only from this origin's files, none written
inline, so text that ever slipped into a page as markup still could not run or restyle it. Pages
pass data to their scripts in ``data-`` attributes or ``<script type="application/json">`` blocks.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response

# A year: browsers remember to use HTTPS only, once they have seen the site over HTTPS.
HSTS_MAX_AGE_S = 365 * 24 * 3600


def tile_source(tile_url: str) -> str | None:
    """The CSP source allowing map tiles from ``tile_url`` (a Leaflet URL template), or None when same-origin.

    ``https://{s}.tile.example.org/{z}/{x}/{y}.png`` gives ``https://*.tile.example.org``: a
    ``{s}`` subdomain placeholder stands for any subdomain.
    """
    parts = urlsplit(tile_url)
    if not parts.scheme or not parts.netloc:
        return None
    host = parts.netloc.replace("{s}", "*")
    if "{" in host or "}" in host:
        raise ValueError(f"MAP_TILE_URL has a placeholder in its host other than {{s}}: {tile_url!r}")
    return f"{parts.scheme}://{host}"


def content_security_policy(tile_url: str) -> str:
    """The policy for every response; ``tile_url`` is the configured ``MAP_TILE_URL``."""
    images = ["'self'", "data:", "blob:"]
    tiles = tile_source(tile_url)
    if tiles:
        images.append(tiles)
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Leaflet positions the map through element.style, which a CSP does not restrict.
        "style-src": ["'self'"],
        "img-src": images,
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def register_security_headers(app: Flask) -> None:
    """Add the headers to every response of ``app``; a header a view set itself is kept.

    The policy is computed once from the configuration, so a bad ``MAP_TILE_URL`` fails at start-up.
    """
    policy = content_security_policy(app.config["MAP_TILE_URL"])
    headers = {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }
    if app.config.get("SESSION_COOKIE_SECURE"):
        headers["Strict-Transport-Security"] = f"max-age={HSTS_MAX_AGE_S}"

    @app.after_request
    def _add_security_headers(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response
