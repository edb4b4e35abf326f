"""The partner import page: upload, preview, import all or nothing, and the template to download."""
from __future__ import annotations

import io

from sqlalchemy import func, select

from coalition.models import Invitation, Organization
from tests.fixtures.web import csrf_token_from
from tests.app.services.test_partner_import import GOOD


def _upload(client, text: str, action: str = "preview"):
    token = csrf_token_from(client.get("/organizations/import").get_data(as_text=True))
    return client.post("/organizations/import", content_type="multipart/form-data", data={
        "csrf_token": token, "action": action, "file": (io.BytesIO(text.encode()), "partners.csv")})


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_upload_shows_a_preview_and_writes_nothing(session, login_as, stand_in_geocoder):
    client = login_as("backbone")
    before = _count(session, Organization)
    response = _upload(client, GOOD)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "3 to add, 0 to update, 0 with problems." in html
    assert "Found at 1200 SE Morrison St, Portland, OR 97214." in html
    assert "Import 3 partners" in html
    assert _count(session, Organization) == before


def test_confirming_the_preview_imports_every_row_and_lists_the_invitations(session, login_as, stand_in_geocoder):
    client = login_as("backbone")
    before = _count(session, Organization)
    preview = _upload(client, GOOD).get_data(as_text=True)
    response = client.post("/organizations/import", data={
        "csrf_token": csrf_token_from(preview), "action": "import", "csv_text": GOOD})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "imported 3, updated 0, failed 0" in html
    assert "morrison@example.org: e-mail is not set up" in html and "/invitations/" in html
    assert _count(session, Organization) == before + 3


def test_a_file_with_a_failing_row_is_refused_whole(session, login_as, stand_in_geocoder):
    client = login_as("backbone")
    before, invitations = _count(session, Organization), _count(session, Invitation)
    text = GOOD + "Nowhere Pantry,shelter,1 Nowhere Lane,,,,,,\n"
    preview = _upload(client, text)
    assert preview.status_code == 422
    html = preview.get_data(as_text=True)
    assert "1 with problems" in html and "No place found for this address" in html
    assert "Import 4 partners" not in html
    forced = client.post("/organizations/import", data={
        "csrf_token": csrf_token_from(html), "action": "import", "csv_text": text})
    assert forced.status_code == 422
    assert _count(session, Organization) == before and _count(session, Invitation) == invitations


def test_cells_are_shown_as_text(session, login_as, stand_in_geocoder):
    client = login_as("backbone")
    text = "name,kind,address,lat,lon\n<script>alert(1)</script>,grocery,<b>1 Rd</b>,45.52,-122.65\n"
    html = _upload(client, text).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;1 Rd&lt;/b&gt;" in html


def test_an_upload_without_a_file_is_refused_beside_the_field(login_as):
    client = login_as("backbone")
    token = csrf_token_from(client.get("/organizations/import").get_data(as_text=True))
    response = client.post("/organizations/import", data={"csrf_token": token, "action": "preview"})
    assert response.status_code == 422
    assert "Choose a CSV file to upload." in response.get_data(as_text=True)


def test_a_file_that_is_not_utf8_is_refused(login_as):
    client = login_as("backbone")
    token = csrf_token_from(client.get("/organizations/import").get_data(as_text=True))
    response = client.post("/organizations/import", content_type="multipart/form-data", data={
        "csrf_token": token, "action": "preview", "file": (io.BytesIO(b"name\n\xff\xfe\x00bad"), "x.csv")})
    assert response.status_code == 422
    assert "not UTF-8" in response.get_data(as_text=True)


def test_the_template_downloads_as_csv(login_as):
    response = login_as("backbone").get("/organizations/import/template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.get_data(as_text=True).startswith("name,kind,address,lat,lon,phone,admin_email,hours_mon")


def test_only_coalition_admins_import(login_as):
    assert login_as("grocer").get("/organizations/import").status_code == 403
