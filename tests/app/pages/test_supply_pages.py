"""The recipient's supply pages: browsing open supply, filters, priority offers, claiming a line."""
from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from coalition.blueprints.supply.common import human_duration
from coalition.models import Claim, ClaimStatus, Donation
from coalition.services import donations

ZONE = ZoneInfo("America/Los_Angeles")


def local_input(value: dt.datetime) -> str:
    """What a datetime-local input sends for this instant, in the coalition's time zone."""
    return value.astimezone(ZONE).strftime("%Y-%m-%dT%H:%M")


def claim_form(recipient_id: int, kg, window, **extra) -> dict:
    return {"recipient_id": str(recipient_id), "kg": "" if kg is None else str(kg),
            "delivery_start": local_input(window[0]), "delivery_end": local_input(window[1]), "need_id": "", **extra}


@pytest.fixture
def posted(make_donation, session):
    """make_donation, committed (a request ends by closing the session, dropping what is only flushed); returns its ids."""

    def _post(**kwargs):
        donation = make_donation(**kwargs)
        posted_ = SimpleNamespace(id=donation.id, line_id=donation.lines[0].id, priority_until=donation.priority_until,
                                  pickup_start=donation.pickup_start)
        session.commit()
        return posted_

    return _post


def cards(html: str) -> list[str]:
    return re.findall(r'<li class="card supply-line".*?</li>', html, re.S)


@pytest.mark.parametrize("delta, text", [
    (dt.timedelta(hours=3, minutes=20), "3 h 20 min"), (dt.timedelta(minutes=45), "45 min"),
    (dt.timedelta(hours=2), "2 h"), (dt.timedelta(days=2, hours=4), "2 days 4 h"), (dt.timedelta(0), "over"),
])
def test_time_left_reads_like_a_person_would_say_it(delta, text):
    assert human_duration(delta) == text


def test_a_food_bank_sees_open_supply_with_kg_left_time_left_donor_and_a_claim_button(login_as, posted):
    donation = posted(kg=20, use_by_h=24, end_h=3)
    html = login_as("foodbank").get("/supply/").get_data(as_text=True)
    card = next(c for c in cards(html) if f"/supply/lines/{donation.line_id}/claim" in c)
    assert "20 kg bread and rolls" in card
    assert "Hawthorne Green Grocer" in card
    # The pickup window ends in 3 h: that is the time left, not the 24 h use-by.
    assert re.search(r'class="time-left">(2 h 59 min|3 h)<', card)
    assert ">Claim</a>" in card


def test_supply_is_sorted_nearest_first_for_the_viewing_recipient(login_as, posted, org):
    far = posted(donor="Sauvie Island Growers", actor="farmer@example.org", category="produce")
    near = posted()
    html = login_as("shelter").get("/supply/").get_data(as_text=True)
    assert html.index(f"/lines/{near.line_id}/claim") < html.index(f"/lines/{far.line_id}/claim")


def test_filters_by_category_and_storage(login_as, posted):
    bread = posted(category="bakery", storage="ambient")
    milk = posted(category="dairy", storage="refrigerated")
    client = login_as("foodbank")
    html = client.get("/supply/?category=dairy").get_data(as_text=True)
    assert f"/lines/{milk.line_id}/claim" in html and f"/lines/{bread.line_id}/claim" not in html
    html = client.get("/supply/?storage=ambient").get_data(as_text=True)
    assert f"/lines/{bread.line_id}/claim" in html and f"/lines/{milk.line_id}/claim" not in html


def test_an_unknown_filter_value_is_a_422_beside_the_filter(login_as):
    response = login_as("foodbank").get("/supply/?category=caviar")
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["driver", "grocer", "city"])
def test_only_recipients_and_the_backbone_browse_supply(login_as, role, posted):
    donation = posted()
    client = login_as(role)
    assert client.get("/supply/").status_code == 403
    assert client.get(f"/supply/lines/{donation.line_id}/claim").status_code == 403


def test_browsing_for_another_organization_is_refused(login_as, org):
    response = login_as("foodbank").get(f"/supply/?org={org('Old Town Night Shelter').id}")
    assert response.status_code == 403


def test_the_backbone_sees_everything_and_chooses_on_whose_behalf(login_as, posted, org):
    donation = posted()
    client = login_as("coordinator")
    html = client.get("/supply/").get_data(as_text=True)
    assert "Every recipient (coalition view)" in html and f"/lines/{donation.line_id}/claim" in html
    shelter = org("Old Town Night Shelter")
    html = client.get(f"/supply/?org={shelter.id}").get_data(as_text=True)
    assert f"/supply/lines/{donation.line_id}/claim?org={shelter.id}" in html


def _partner(session, user, org, *names):
    donations.set_priority_partners(session, user("grocer@example.org"), org("Hawthorne Green Grocer"), [org(n) for n in names])


def test_a_priority_partner_sees_reserved_for_you_and_can_decline(login_as, posted, session, user, org, post_form):
    _partner(session, user, org, "Columbia Regional Food Bank")
    donation = posted()
    until = donation.priority_until.astimezone(ZONE).strftime("%H:%M")
    client = login_as("foodbank")
    html = client.get("/supply/").get_data(as_text=True)
    assert f"Reserved for you until {until}" in html and ">Decline</button>" in html

    response = post_form(f"/supply/donations/{donation.id}/decline", {"org": str(org("Columbia Regional Food Bank").id)})

    assert response.status_code == 302
    assert session.get(Donation, donation.id).priority_recipient_id is None, "with no other partner the offer opens to every recipient"
    assert "Reserved for you" not in client.get("/supply/").get_data(as_text=True)


def test_a_line_reserved_for_a_partner_is_hidden_from_other_recipients(login_as, posted, session, user, org):
    _partner(session, user, org, "Columbia Regional Food Bank")
    donation = posted()
    html = login_as("shelter").get("/supply/").get_data(as_text=True)
    assert f"/lines/{donation.line_id}/claim" not in html


def test_the_claim_form_suggests_a_window_in_the_recipients_receiving_hours(login_as, posted):
    donation = posted(kg=20)
    html = login_as("shelter").get(f"/supply/lines/{donation.line_id}/claim").get_data(as_text=True)
    assert "20 kg left" in html
    start = re.search(r'id="delivery_start" name="delivery_start" type="datetime-local" value="([^"]+)"', html).group(1)
    end = re.search(r'id="delivery_end" name="delivery_end" type="datetime-local" value="([^"]+)"', html).group(1)
    start_local = dt.datetime.fromisoformat(start).replace(tzinfo=ZONE)
    # The shelter receives 09:00-21:00 every day, and not before the pickup starts.
    assert dt.time(9) <= start_local.time() and dt.datetime.fromisoformat(end).time() <= dt.time(21)
    assert start_local >= donation.pickup_start - dt.timedelta(minutes=1)
    assert start < end


def test_claiming_part_of_a_line_converts_the_local_window_to_utc_and_offers_undo(
        login_as, posted, post_form, session, org, window):
    line_id = posted(kg=20).line_id
    food_bank = org("Columbia Regional Food Bank")
    client = login_as("foodbank")

    response = post_form(f"/supply/lines/{line_id}/claim", claim_form(food_bank.id, 7.5, window))

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/claims/?org={food_bank.id}")
    made = session.scalar(select(Claim).where(Claim.line_id == line_id))
    assert made.quantity_g == 7500 and made.recipient_id == food_bank.id and made.status is ClaimStatus.CLAIMED
    assert made.delivery_start == window[0].replace(second=0) and made.delivery_start.utcoffset() == dt.timedelta(0)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "7.5 kg bread and rolls" in page and ">Undo</button>" in page
    assert "12.5 kg bread and rolls" in client.get("/supply/").get_data(as_text=True)


@pytest.mark.parametrize("kg, message", [(0, "Claim more than 0 kg."), (-5, "Claim more than 0 kg.")])
def test_a_claim_of_zero_or_negative_kg_is_a_422_beside_the_field(login_as, posted, post_form, org, window, kg, message, session):
    line_id = posted(kg=20).line_id
    login_as("foodbank")
    response = post_form(f"/supply/lines/{line_id}/claim", claim_form(org("Columbia Regional Food Bank").id, kg, window))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="kg"[^>]*value="%s"' % kg, html), "the form keeps what was typed"
    assert f'<p class="error" id="kg-error">{message}</p>' in html
    assert session.scalar(select(Claim).where(Claim.line_id == line_id)) is None


def test_claiming_more_than_is_left_is_a_409_already_claimed_beside_the_kg_field(
        login_as, posted, post_form, org, window, session, user):
    from coalition.services import claims

    line_id = posted(kg=20).line_id
    claims.claim_line(session, user("shelter@example.org"), line_id, org("Old Town Night Shelter"), 15, *window,
                      dt.datetime.now(dt.timezone.utc))
    session.commit()
    login_as("foodbank")
    response = post_form(f"/supply/lines/{line_id}/claim", claim_form(org("Columbia Regional Food Bank").id, 8, window))
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert '<p class="error" id="kg-error">Already claimed: only 5 kg of this line is left.</p>' in html
    assert re.search(r'id="kg"[^>]*value="8"', html)


def test_a_line_the_donor_will_not_split_says_so_and_refuses_a_part(login_as, posted, post_form, org, window):
    line_id = posted(kg=20, allow_split=False).line_id
    client = login_as("foodbank")
    html = client.get(f"/supply/lines/{line_id}/claim").get_data(as_text=True)
    assert "The donor asks for this line to be taken whole." in html and "readonly" in html
    response = post_form(f"/supply/lines/{line_id}/claim", claim_form(org("Columbia Regional Food Bank").id, 5, window))
    assert response.status_code == 409
    assert "taken whole" in response.get_data(as_text=True)


def test_a_reversed_delivery_window_is_a_422_beside_the_end(login_as, posted, post_form, org, window):
    line_id = posted().line_id
    login_as("foodbank")
    response = post_form(f"/supply/lines/{line_id}/claim",
                         claim_form(org("Columbia Regional Food Bank").id, 5, (window[1], window[0])))
    assert response.status_code == 422
    assert '<p class="error" id="delivery_end-error">The delivery window must end after it starts.</p>' in response.get_data(as_text=True)


def test_claiming_for_another_organization_is_refused(login_as, posted, post_form, org, window, session):
    line_id = posted().line_id
    login_as("foodbank")
    response = post_form(f"/supply/lines/{line_id}/claim", claim_form(org("Old Town Night Shelter").id, 5, window))
    assert response.status_code in (403, 422)
    assert session.scalar(select(Claim).where(Claim.line_id == line_id)) is None


def test_a_claim_can_be_linked_to_one_of_the_recipients_open_needs(login_as, posted, post_form, org, window, session, user, now):
    from coalition.services import needs

    shelter_id = org("Old Town Night Shelter").id
    need_id = needs.post_need(session, user("shelter@example.org"), org("Old Town Night Shelter"),
                              needs.NeedInput("bakery", "ambient", 30, now + dt.timedelta(days=2)), now).id
    line_id = posted().line_id
    client = login_as("shelter")
    assert "30 kg bakery by" in client.get(f"/supply/lines/{line_id}/claim").get_data(as_text=True)
    response = post_form(f"/supply/lines/{line_id}/claim", claim_form(shelter_id, 5, window, need_id=str(need_id)))
    assert response.status_code == 302
    assert session.scalar(select(Claim).where(Claim.line_id == line_id)).need_id == need_id


def test_a_backbone_coordinator_claims_on_behalf_of_a_shelter(login_as, posted, post_form, org, window, session):
    line_id = posted().line_id
    shelter = org("Old Town Night Shelter")
    login_as("coordinator")
    response = post_form(f"/supply/lines/{line_id}/claim", claim_form(shelter.id, 5, window))
    assert response.status_code == 302
    made = session.scalar(select(Claim).where(Claim.line_id == line_id))
    assert made.recipient_id == shelter.id and made.on_behalf is True


def test_a_person_in_two_recipient_organizations_picks_one(login_as, posted, session, user, org):
    from coalition.models import Membership, Role

    session.add(Membership(user=user("foodbank@example.org"), organization=org("Old Town Night Shelter"), role=Role.STAFF))
    shelter_id, food_bank_id = org("Old Town Night Shelter").id, org("Columbia Regional Food Bank").id
    line_id = posted().line_id
    client = login_as("foodbank")
    html = client.get("/supply/").get_data(as_text=True)
    assert '<label for="org">Claiming for</label>' in html
    assert f'<option selected value="{food_bank_id}">' in html and f'<option value="{shelter_id}">' in html
    html = client.get(f"/supply/?org={shelter_id}").get_data(as_text=True)
    assert "Nearest to Old Town Night Shelter first." in html
    assert f"/supply/lines/{line_id}/claim?org={shelter_id}" in html
    claim_page = client.get(f"/supply/lines/{line_id}/claim?org={shelter_id}").get_data(as_text=True)
    assert f'<option selected value="{shelter_id}">Old Town Night Shelter</option>' in claim_page
