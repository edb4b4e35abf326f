"""A coalition that counts pounds: typed in pounds, stored in grams, read back in pounds on the pages, in the
receipt PDF and in the CSVs, while the JSON API keeps kilograms and says the display unit."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import subprocess
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from coalition.models import Claim, Donation
from tests.fixtures.coordination import at, deliver
from tests.fixtures.web import csrf_token_from

TZ = ZoneInfo("America/Los_Angeles")


def _local(value: dt.datetime) -> str:
    return value.astimezone(TZ).strftime("%Y-%m-%dT%H:%M")


def _post_donation(client, org, now, kg_text: str):
    token = csrf_token_from(client.get("/donations/new").get_data(as_text=True))
    return client.post("/donations/new", data={
        "csrf_token": token, "step": "review", "action": "post", "donor_id": str(org("Hawthorne Green Grocer").id),
        "shown_lines": "1", "lines-0-category": "bakery", "lines-0-description": "bread and rolls",
        "lines-0-kg": kg_text, "lines-0-storage": "ambient", "lines-0-use_by": _local(now + dt.timedelta(hours=24)),
        "pickup_start": _local(now + dt.timedelta(hours=1)), "pickup_end": _local(now + dt.timedelta(hours=3)),
        "allow_split": "y",
    })


def _relogin(client, login_as, role):
    client.delete_cookie("session")
    client.delete_cookie("remember_token")
    return login_as(role)


def _pdf_text(body: bytes, tmp_path) -> str:
    path = tmp_path / "receipt.pdf"
    path.write_bytes(body)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_a_donation_typed_in_pounds_is_stored_to_the_gram_and_read_back_in_pounds(
        pounds, login_as, client, session, org, now, window):
    login_as("grocer")
    form = client.get("/donations/new").get_data(as_text=True)
    assert "Weight (lb)" in form
    posted = _post_donation(client, org, now, "12.5")
    assert posted.status_code == 302
    donation = session.get(Donation, int(re.search(r"/donations/(\d+)$", posted.headers["Location"]).group(1)))
    line = donation.lines[0]
    assert line.quantity_g == 5670   # 12.5 x 453.59237 g, rounded once
    detail = client.get(posted.headers["Location"]).get_data(as_text=True)
    assert "<td>12.5 lb</td>" in detail and "kg</td>" not in detail

    recipient = _relogin(client, login_as, "foodbank")
    supply = recipient.get("/supply/").get_data(as_text=True)
    assert "12.5 lb bread and rolls" in supply
    claim_page = recipient.get(f"/supply/lines/{line.id}/claim").get_data(as_text=True)
    assert "Pounds to claim" in claim_page and 'value="12.5"' in claim_page
    token = csrf_token_from(claim_page)
    food_bank = org("Columbia Regional Food Bank")
    claimed = recipient.post(f"/supply/lines/{line.id}/claim", data={
        "csrf_token": token, "recipient_id": str(food_bank.id), "kg": "5.25", "need_id": "",
        "delivery_start": _local(window[0]), "delivery_end": _local(window[1])})
    assert claimed.status_code == 302
    claim = session.scalar(select(Claim).where(Claim.line_id == line.id))
    assert claim.quantity_g == 2381   # 5.25 lb
    page = recipient.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert "5.25 lb bread and rolls" in page
    assert "7.25 lb bread and rolls" in recipient.get("/supply/").get_data(as_text=True)   # 5670 - 2381 g left


def test_a_bad_weight_in_pounds_is_shown_beside_the_field_and_nothing_saved(pounds, login_as, client, session, org,
                                                                             now):
    login_as("grocer")
    before = session.scalar(select(Donation.id).order_by(Donation.id.desc()).limit(1))
    response = _post_donation(client, org, now, "twelve")
    assert response.status_code in (400, 422)
    assert "Not a valid number." in response.get_data(as_text=True)
    assert session.scalar(select(Donation.id).order_by(Donation.id.desc()).limit(1)) == before


def test_the_receipt_pdf_and_the_csvs_speak_pounds(pounds, login_as, client, session, org, tmp_path):
    deliver(session, org, 5.67, "bakery", when=at(3))   # the 12.5 lb line, delivered whole
    session.commit()
    grocer = login_as("grocer")
    response = grocer.get(f"/reports/receipts/{org('Hawthorne Green Grocer').id}.pdf",
                          query_string={"start": "2021-03-01", "end": "2021-03-31"})
    text = _pdf_text(response.get_data(), tmp_path)
    assert "Total: 12.5 lb, estimated value" in text and "$/lb (est.)" in text
    assert re.search(r"Bakery\s+12\.5\s", text)

    backbone = _relogin(client, login_as, "backbone")
    rows = list(csv.DictReader(io.StringIO(backbone.get("/reports/compliance/2021-03.csv").get_data(as_text=True))))
    assert [r["pounds_recovered"] for r in rows] == ["12.5"]
    directory = list(csv.DictReader(io.StringIO(backbone.get("/directory/directory.csv").get_data(as_text=True))))
    assert "lb_donated" in directory[0] and "kg_donated" not in directory[0]


def test_the_dashboard_shows_the_meals_factor_in_pounds(pounds, login_as):
    page = login_as("backbone").get("/measurement/").get_data(as_text=True)
    assert "meals (1.2 lb each)" in page


def test_the_api_keeps_kilograms_and_says_the_display_unit(pounds, api, make_donation, session):
    me = api.get("/api/v1/me", "foodbank").get_json()
    assert me["weight_unit"] == "lb"
    donation = make_donation(kg=5.67)
    session.commit()
    body = api.get(f"/api/v1/donations/{donation.id}", "grocer").get_json()
    assert body["lines"][0]["kg"] == 5.67 and body["total_kg"] == 5.67


def test_the_api_says_kilograms_when_the_coalition_uses_them(api):
    assert api.get("/api/v1/me", "foodbank").get_json()["weight_unit"] == "kg"


@pytest.fixture
def route(session, now):
    from tests.fixtures import driving

    claim = driving.make_claim(session, now, kg=10, description="Crate of yogurt", storage="refrigerated",
                               category="dairy")
    made = driving.make_route(session, now, claims=[claim])
    session.commit()
    return [(stop.id, stop.claim_id) for stop in made.stops]


def test_the_driver_reads_and_types_pounds_on_the_phone_and_from_the_queue(pounds, login_as, session, route):
    from coalition.models import Stop

    client = login_as("driver")
    page = client.get("/driver/").get_data(as_text=True)
    (pickup, _), (delivery, _) = route
    assert "22.046 lb Crate of yogurt" in page and "Pounds picked up" in page   # 10 kg to the gram
    assert 'name="weight_unit" value="lb"' in page
    form = re.search(rf'action="/driver/stops/{pickup}/picked_up".*?name="client_action_id" value="(\w+)"', page, re.S)
    posted = client.post(f"/driver/stops/{pickup}/picked_up", data={
        "csrf_token": csrf_token_from(page), "client_action_id": form.group(1), "kg": "22", "weight_unit": "lb",
        "temperature": "4"})
    assert posted.status_code == 302
    assert session.get(Stop, pickup).actual_g == 9979   # 22 lb
    # The offline queue sends the typed text with the unit the page showed.
    sent = client.post("/driver/actions", json={
        "client_action_id": "a" * 32, "stop_id": delivery, "action": "delivered", "performed_at": None,
        "payload": {"kg": "21.5", "weight_unit": "lb", "receiver_name": "Ana", "temperature": "4"}},
        headers={"X-CSRFToken": csrf_token_from(page), "Accept": "application/json"})
    assert sent.status_code == 200, sent.get_data(as_text=True)
    session.expire_all()
    assert session.get(Stop, delivery).actual_g == 9752   # 21.5 lb
    assert "<dd>21.5 lb" in client.get("/driver/").get_data(as_text=True)


def test_the_neighborhood_brief_speaks_pounds_on_the_page_and_in_the_pdf(pounds, login_as, session, small_history,
                                                                         tmp_path):
    from coalition.models import Neighborhood

    north = session.scalar(select(Neighborhood.id).where(Neighborhood.name == "North Square"))
    grocer = login_as("grocer")
    page = grocer.get(f"/measurement/neighborhoods/{north}/brief").get_data(as_text=True)
    assert "meals (1.2 lb each)" in page and " lb</strong><span>delivered" in page
    path = tmp_path / "brief.pdf"
    path.write_bytes(grocer.get(f"/measurement/neighborhoods/{north}/brief.pdf").data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Meals are lb delivered divided by 1.2 lb per meal." in text and " kg" not in text


def test_the_meals_factor_is_typed_in_pounds_and_stored_in_kilograms(pounds, login_as, client, session):
    from coalition.services import indicators

    backbone = login_as("backbone")
    page = backbone.get("/measurement/settings").get_data(as_text=True)
    assert "Pounds of food per meal" in page and 'value="1.2"' in page
    response = backbone.post("/measurement/settings", data={
        "csrf_token": csrf_token_from(page), "kg_per_meal": "1.5", "co2e_per_kg": "2.5"})
    assert response.status_code == 302
    session.expire_all()
    assert indicators.get_settings(session).kg_per_meal == 0.68   # 1.5 lb = 680.4 g, to the gram
