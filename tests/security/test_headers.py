"""Browser security headers on every kind of response: HTML pages, JSON, errors, photos, PDFs, CSV and static files."""
from __future__ import annotations

import pytest
from PIL import Image

from coalition import create_app
from coalition import config as app_config
from coalition.security_headers import content_security_policy, tile_source
from coalition.services import photos


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def assert_security_headers(response, secure: bool = False) -> None:
    """The CSP runs no inline script and only this origin's scripts; the other headers are present."""
    where = f"{response.request.method} {response.request.path} ({response.status_code} {response.mimetype})"
    policy = directives(response.headers.get("Content-Security-Policy", ""))
    assert policy.get("script-src") == ["'self'"], where
    assert policy.get("object-src") == ["'none'"], where
    assert policy.get("base-uri") == ["'self'"], where
    assert policy.get("frame-ancestors") == ["'none'"], where
    assert policy.get("default-src") == ["'self'"], where
    assert not any("unsafe" in source for source in policy["script-src"] + policy["default-src"]), where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("Referrer-Policy") == "same-origin", where
    assert ("Strict-Transport-Security" in response.headers) is secure, where


def png() -> bytes:
    import io

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 120, 40)).save(out, format="PNG")
    return out.getvalue()


def test_pages_errors_and_json_carry_the_headers(client, login_as, org):
    """Anonymous and signed-in pages, a 404 page, a JSON answer and a JSON API error all carry the headers."""
    responses = [client.get("/"), client.get("/signin"), client.get("/no-such-page"), client.get("/healthz"),
                 client.get("/api/openapi.json"), client.get("/api/v1/donations")]
    login_as("backbone")
    responses += [client.get("/"), client.get(f"/organizations/{org('Hawthorne Green Grocer').id}")]
    kinds = {(r.status_code, r.mimetype) for r in responses}
    assert {(200, "text/html"), (404, "text/html"), (200, "application/json"), (401, "application/json")} <= kinds
    for response in responses:
        assert_security_headers(response)


def test_file_downloads_carry_the_headers(app, client, login_as, make_donation, org, session):
    """A donation photo, a PDF receipt, a CSV export, a static file and a vendored Leaflet file."""
    donation = make_donation()
    donation.photo_filename = photos.store_photo(png(), app.config["UPLOAD_FOLDER"], 10_000_000)
    session.commit()
    donation_id = donation.id
    grocer_id = org("Hawthorne Green Grocer").id
    login_as("backbone")
    responses = [
        client.get(f"/donations/{donation_id}/photo"),
        client.get(f"/reports/receipts/{grocer_id}.pdf", query_string={"start": "2021-03-01", "end": "2021-03-31"}),
        client.get("/directory/directory.csv"),
        client.get("/static/css/app.css"),
        client.get("/static/js/map.js"),
        client.get("/vendor/leaflet/leaflet.js"),
        client.get("/driver/sw.js"),
    ]
    try:
        assert {r.mimetype for r in responses} >= {"image/png", "application/pdf", "text/csv", "text/css",
                                                   "text/javascript"}
        for response in responses:
            assert response.status_code == 200, response.request.path
            assert_security_headers(response)
    finally:
        for response in responses:
            response.close()  # file responses hold their file open until closed


def test_strict_transport_security_is_sent_only_with_secure_cookies(tmp_path):
    """Behind HTTPS (secure cookies on) browsers are told to use HTTPS only; on plain HTTP they are not."""
    for secure in (False, True):
        instance = tmp_path / str(secure)
        config = app_config.TestConfig(instance, f"sqlite:///{instance}/unused.sqlite3")
        config.SESSION_COOKIE_SECURE = secure
        application = create_app(config, instance_path=instance)
        for path in ("/healthz", "/static/css/app.css"):
            response = application.test_client().get(path)
            assert_security_headers(response, secure=secure)
            response.close()
        if secure:
            assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_map_tiles_are_allowed_from_the_configured_tile_host():
    policy = directives(content_security_policy("https://{s}.tiles.example.org:8443/{z}/{x}/{y}.png"))
    assert "https://*.tiles.example.org:8443" in policy["img-src"]
    assert tile_source("https://tile.openstreetmap.org/{z}/{x}/{y}.png") == "https://tile.openstreetmap.org"
    assert tile_source("/tiles/{z}/{x}/{y}.png") is None  # same origin: 'self' covers it


def test_a_tile_url_with_a_placeholder_host_is_refused_at_start_up():
    with pytest.raises(ValueError, match="MAP_TILE_URL"):
        content_security_policy("https://{z}.tiles.example.org/{x}/{y}.png")


def test_the_configured_tile_host_reaches_the_policy(app, client):
    policy = directives(client.get("/healthz").headers["Content-Security-Policy"])
    assert tile_source(app.config["MAP_TILE_URL"]) in policy["img-src"]


def test_templates_hold_no_inline_script_or_style():
    """The policy refuses inline script and style, so a template carrying any would silently break its page."""
    import re
    from pathlib import Path

    inline = re.compile(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>|<style\b|\sstyle=|\son[a-z]+=|"
                        r"javascript:", re.IGNORECASE)
    templates = Path(__file__).resolve().parents[2] / "templates"
    found = [f"{path.relative_to(templates)}: {match.group(0).strip()}" for path in sorted(templates.rglob("*.html"))
             for match in inline.finditer(path.read_text())]
    assert not found, "\n".join(found)
    policy = directives(content_security_policy("https://tile.openstreetmap.org/{z}/{x}/{y}.png"))
    assert policy["style-src"] == ["'self'"]
