"""The shared progress page and the neighborhood briefs as pages: who reaches them, what they show,
and that a partner sees no other partner's own figures and nobody's personal data."""
from __future__ import annotations

import io
import subprocess
import zipfile

from sqlalchemy import select

from coalition.models import Neighborhood, User
from tests.fixtures.web import ROLE_EMAILS


def _north(session) -> int:
    return session.scalar(select(Neighborhood.id).where(Neighborhood.name == "North Square"))


def test_the_city_agency_is_sent_from_the_dashboard_and_the_menu_to_the_shared_progress(login_as, small_history):
    city = login_as("city")
    for address in ("/measurement/", "/measurement/mine"):
        response = city.get(address)
        assert response.status_code == 302 and response.headers["Location"].endswith("/measurement/progress")
    page = city.get("/measurement/progress").get_data(as_text=True)
    assert "Our shared progress" in page and "The goal" in page
    assert "Your part: City Office of Community Food Security" in page
    assert "Download every neighborhood's brief" in page


def test_a_grocer_sees_the_coalitions_aggregates_and_its_own_part_only(login_as, session, small_history):
    page = login_as("grocer").get("/measurement/progress").get_data(as_text=True)
    assert "Your part: Hawthorne Green Grocer" in page
    assert "5,555" in page                      # visits coalition-wide
    assert "31.2%" in page                      # its share of the kg rescued (123.4 of 395.4)
    # each recipient's own reported visits, and the breakdowns naming partners, stay on the backbone's pages
    for private in ("1,234", "4,321", "1234", "4321", "By recipient partner", "By donor"):
        assert private not in page, private
    # nobody's personal data: no other member's name or e-mail address
    for person in session.scalars(select(User).where(User.email != ROLE_EMAILS["grocer"])):
        assert person.email not in page and person.display_name not in page, person.email
    assert "Download every neighborhood" not in page  # the zip is the city's and the backbone's


def test_a_member_sees_only_its_own_organizations_part_and_the_backbone_any(login_as, login_fresh, org, small_history):
    bank = org("Columbia Regional Food Bank")
    assert login_as("grocer").get(f"/measurement/progress?organization_id={bank.id}").status_code == 404
    assert login_fresh("grocer").get("/measurement/progress?organization_id=x1").status_code == 404
    page = login_fresh("backbone").get(f"/measurement/progress?organization_id={bank.id}").get_data(as_text=True)
    assert "Your part: Columbia Regional Food Bank" in page and "1,234" in page


def test_a_bad_period_is_refused_beside_its_field(login_as, small_history):
    response = login_as("shelter").get("/measurement/progress?from_month=soon")
    assert response.status_code in (400, 422)


def test_the_brief_page_and_pdf_show_the_neighborhoods_figures(login_as, session, small_history, tmp_path):
    grocer = login_as("grocer")
    north = _north(session)
    page = grocer.get(f"/measurement/neighborhoods/{north}/brief").get_data(as_text=True)
    assert "Neighborhood brief: North Square" in page and "Rank <strong>1 of 2</strong>" in page
    assert "2024: 20.0% → 2026: 18.0%" in page and "Columbia Regional Food Bank" in page
    response = grocer.get(f"/measurement/neighborhoods/{north}/brief.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "north-square" in response.headers["Content-Disposition"]
    path = tmp_path / "brief.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Neighborhood brief: North Square" in text and "Rank 1 of 2" in text
    assert grocer.get("/measurement/neighborhoods/987654/brief").status_code == 404


def test_the_city_downloads_every_brief_at_once_and_a_grocer_cannot(login_as, login_fresh, small_history):
    response = login_as("city").get("/measurement/neighborhoods/briefs.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert len(names) == 2 and all(name.endswith(".pdf") for name in names)
    assert login_fresh("grocer").get("/measurement/neighborhoods/briefs.zip").status_code == 403


def test_every_demo_login_reaches_the_shared_progress_from_its_menu(login_fresh, small_history):
    for role in ROLE_EMAILS:
        client = login_fresh(role)
        assert 'href="/measurement/mine"' in client.get("/").get_data(as_text=True), role
        assert client.get("/measurement/mine", follow_redirects=True).status_code == 200, role
