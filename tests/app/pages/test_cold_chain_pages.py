"""The cold-chain record on the claim and donation pages: the donor, the recipient and the backbone see
every reading, who took it, the time out of refrigeration and the outcome; others do not."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest

from coalition.services import driving
from tests.fixtures import driving as f


@pytest.fixture
def checked(session, now):
    """A refrigerated claim picked up at 3.5 °C and delivered 50 minutes later at 5.8 °C, accepted in grace."""
    claim = f.make_claim(session, now, kg=10, storage="refrigerated", category="dairy", description="Crate of kefir")
    route = f.make_route(session, now, claims=[claim])
    driver = f.user(session, "driver@example.org")
    pickup, delivery = route.stops
    driving.pick_up(session, driver, pickup.id, uuid.uuid4().hex, now, {"kg": 10, "temperature": "3.5"}, now)
    later = now + dt.timedelta(minutes=50)
    driving.deliver(session, driver, delivery.id, uuid.uuid4().hex, later,
                    {"kg": 10, "receiver_name": "Ana", "temperature": "5.8", "cold_decision": "accept"}, later)
    session.commit()
    return {"claim": claim.id, "donation": claim.line.donation_id, "driver": driver.display_name}


@pytest.mark.parametrize("role", ["grocer", "foodbank", "coordinator"])
def test_donor_recipient_and_backbone_see_the_cold_chain_record(login_as, checked, role):
    client = login_as(role)
    for url in (f"/claims/{checked['claim']}", f"/donations/{checked['donation']}"):
        page = client.get(url).get_data(as_text=True)
        assert f'id="cold-chain-claim-{checked["claim"]}"' in page, url
        assert "3.5 °C" in page and "5.8 °C" in page and "5 °C" in page
        assert "Accepted within the grace margin" in page and "out of refrigeration 50 min" in page
        assert f"<td>{checked['driver']}</td>" in page          # who took the readings


def test_another_recipient_does_not_see_the_claims_record(login_as, checked):
    client = login_as("shelter")
    assert client.get(f"/claims/{checked['claim']}").status_code == 404
    assert f'id="cold-chain-claim-{checked["claim"]}"' not in client.get(f"/donations/{checked['donation']}").get_data(as_text=True)


def test_the_monthly_cold_chain_csv_lists_every_reading_for_the_partner_and_the_backbone(login_as, checked, now):
    import csv
    import io

    from coalition.extensions import db

    month = now.astimezone(f.ZONE).strftime("%Y-%m")
    client = login_as("foodbank")
    page = client.get(f"/claims/{checked['claim']}").get_data(as_text=True)
    assert "/reports/cold-chain/" in page
    with client.application.app_context():
        recipient = f.org(db.session, "Columbia Regional Food Bank").id
    answer = client.get(f"/reports/cold-chain/{recipient}/{month}.csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    mine = [r for r in rows if r["claim_id"] == str(checked["claim"])]
    assert [(r["stage"], r["reading_C"], r["outcome"], r["minutes_out_of_refrigeration"]) for r in mine] == [
        ("pickup", "3.5", "within", "50"), ("delivery", "5.8", "accepted_in_grace", "50")]


def test_the_monthly_cold_chain_pdf_reads_back_with_the_summary_and_every_reading(login_as, checked, now, tmp_path):
    import subprocess

    from coalition.extensions import db

    month = now.astimezone(f.ZONE).strftime("%Y-%m")
    client = login_as("foodbank")
    page = client.get(f"/claims/{checked['claim']}").get_data(as_text=True)
    with client.application.app_context():
        recipient = f.org(db.session, "Columbia Regional Food Bank").id
    assert f"/reports/cold-chain/{recipient}/{month}.pdf" in page
    answer = client.get(f"/reports/cold-chain/{recipient}/{month}.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    path = tmp_path / "cold-chain.pdf"
    path.write_bytes(answer.get_data())
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Cold-chain report: Columbia Regional Food Bank" in text
    assert "1 cold lines checked: 1 within limits, 0 refused at pickup, 0 discarded on arrival." in text
    assert "Hawthorne Green Grocer" in text and "Crate of kefir" in text and "3.5" in text and "5.8" in text and checked["driver"] in text
    rows = [line.split() for line in text.splitlines() if "Crate of kefir" in line]
    assert [(row[0], row[-1]) for row in rows] == [(str(checked["claim"]), "50")] * 2   # minutes out of refrigeration
    assert "Accepted within the grace margin" in text and "Within limits" in text


@pytest.mark.parametrize(("role", "status"), [("coordinator", 200), ("shelter", 404), ("grocer", 404)])
@pytest.mark.parametrize("fmt", ["csv", "pdf"])
def test_only_the_partner_and_the_backbone_get_its_cold_chain_report(login_as, checked, now, role, status, fmt):
    from coalition.extensions import db

    client = login_as(role)
    with client.application.app_context():
        recipient = f.org(db.session, "Columbia Regional Food Bank").id
    month = now.astimezone(f.ZONE).strftime("%Y-%m")
    assert client.get(f"/reports/cold-chain/{recipient}/{month}.{fmt}").status_code == status


def test_the_compliance_report_shows_the_cold_chain_summary(login_as, checked, now):
    month = now.astimezone(f.ZONE).strftime("%Y-%m")
    client = login_as("coordinator")
    page = client.get(f"/reports/compliance?month={month}").get_data(as_text=True)
    assert 'id="cold-chain-summary"' in page and "1 cold lines checked: 1 within limits" in page
    pdf = client.get(f"/reports/compliance/{month}.pdf")
    assert pdf.status_code == 200


def test_the_backbone_opens_the_cold_chain_patterns_page_from_its_home(login_as, checked):
    client = login_as("coordinator")
    assert "/reports/cold-chain/patterns" in client.get("/").get_data(as_text=True)
    page = client.get("/reports/cold-chain/patterns").get_data(as_text=True)
    assert 'id="warm-donors"' in page and 'id="warm-drivers"' in page and 'id="warm-vehicles"' in page
    assert "for 1 cold lines" in page and "<td>30-60 min</td><td class=\"num\">1</td>" in page   # 50 minutes


def test_a_donor_sees_a_confidential_recipient_by_its_public_name_in_the_record(login_as, session, checked):
    from coalition.models import Claim

    recipient = session.get(Claim, checked["claim"]).recipient
    recipient.confidential, recipient.public_alias = True, "Safe Harbor"
    session.commit()
    page = login_as("grocer").get(f"/donations/{checked['donation']}").get_data(as_text=True)
    record = page[page.index(f'id="cold-chain-claim-{checked["claim"]}"'):]
    assert "to Safe Harbor" in record and "Columbia Regional Food Bank" not in page
