"""The donor's pages: posting in three screens, my donations, the donation page, cancel, post again, partners."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from coalition.models import (
    Claim,
    ClaimStatus,
    Donation,
    DonationKind,
    DonationStatus,
    Notification,
    PriorityPartner,
)
from coalition.services import claims
from tests.fixtures.web import csrf_token_from

TZ = ZoneInfo("America/Los_Angeles")


def local(value: dt.datetime) -> str:
    """How a datetime-local input sends a UTC moment: local wall-clock time, no zone."""
    return value.astimezone(TZ).strftime("%Y-%m-%dT%H:%M")


def donation_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Donation))


@pytest.fixture
def form_data(client, now, org):
    """The fields of the posting form: one line of bread, pickup in 1-3 h, use-by tomorrow."""

    def _data(step="lines", action="next", donor="Hawthorne Green Grocer", **overrides):
        token = csrf_token_from(client.get("/donations/new").get_data(as_text=True))
        data = {
            "csrf_token": token, "step": step, "action": action, "donor_id": str(org(donor).id), "shown_lines": "1",
            "lines-0-category": "bakery", "lines-0-description": "bread and rolls", "lines-0-kg": "20",
            "lines-0-storage": "ambient", "lines-0-use_by": local(now + dt.timedelta(hours=24)),
            "pickup_start": local(now + dt.timedelta(hours=1)), "pickup_end": local(now + dt.timedelta(hours=3)),
            "notes": "Back door, ask for Sam", "allow_split": "y",
        }
        data.update(overrides)
        return {k: v for k, v in data.items() if v is not None}

    return _data


def test_grocer_posts_surplus_in_three_screens(login_as, client, form_data, session, now):
    """Posting takes three screens: the food, the pickup, review and post; then the donation page says so."""
    login_as("grocer")
    first = client.get("/donations/new")
    assert first.status_code == 200 and "Step 1 of 3" in first.get_data(as_text=True)
    second = client.post("/donations/new", data=form_data("lines"))
    assert second.status_code == 200 and "Step 2 of 3" in second.get_data(as_text=True)
    third = client.post("/donations/new", data=form_data("pickup"))
    page = third.get_data(as_text=True)
    assert third.status_code == 200 and "Step 3 of 3" in page and "20 kg bread and rolls" in page
    before = donation_count(session)
    posted = client.post("/donations/new", data=form_data("review", action="post"))
    assert posted.status_code == 302
    donation_id = int(re.search(r"/donations/(\d+)$", posted.headers["Location"]).group(1))
    donation = session.get(Donation, donation_id)
    assert donation_count(session) == before + 1
    assert donation.kind is DonationKind.SURPLUS and donation.lines[0].quantity_g == 20_000
    # The local wall-clock times typed in were stored as the same moments in UTC.
    assert donation.pickup_start == (now + dt.timedelta(hours=1)).replace(second=0)
    assert donation.notes == "Back door, ask for Sam" and donation.allow_split is True
    detail = client.get(posted.headers["Location"]).get_data(as_text=True)
    assert "is posted" in detail and "bread and rolls" in detail


def test_nothing_is_posted_before_the_last_screen(login_as, client, form_data, session):
    login_as("grocer")
    before = donation_count(session)
    client.post("/donations/new", data=form_data("lines"))
    client.post("/donations/new", data=form_data("pickup"))
    assert donation_count(session) == before


def test_add_another_line_keeps_what_was_typed(login_as, client, form_data):
    """Without JavaScript, "Add another line" comes back with one more slot and the first line intact."""
    login_as("grocer")
    response = client.post("/donations/new", data=form_data("lines", action="add_line"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Step 1 of 3" in page
    assert 'value="bread and rolls"' in page
    assert re.search(r'<fieldset class="line" id="line-1"\s*>', page), "the second slot is shown"
    assert re.search(r'<fieldset class="line" id="line-2"\s*hidden', page), "the third slot stays hidden"


def test_two_lines_are_posted_and_blank_slots_ignored(login_as, client, form_data, session):
    login_as("grocer")
    extra = {"lines-2-category": "dairy", "lines-2-description": "yogurt", "lines-2-kg": "4.5",
             "lines-2-storage": "refrigerated", "lines-2-use_by": form_data()["lines-0-use_by"], "shown_lines": "3"}
    response = client.post("/donations/new", data=form_data("review", action="post", **extra))
    assert response.status_code == 302
    donation = session.get(Donation, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert [(l.description, l.quantity_g) for l in donation.lines] == [("bread and rolls", 20_000), ("yogurt", 4_500)]


@pytest.mark.parametrize("kg, message", [
    ("0", "more than 0 kg"), ("-5", "more than 0 kg"), ("100000", "more than we accept"), ("abc", "Not a valid"),
    ("", "Give the weight"),
])
def test_bad_kg_is_shown_beside_the_field_and_nothing_saved(login_as, client, form_data, session, kg, message):
    login_as("grocer")
    before = donation_count(session)
    for step, action in (("lines", "next"), ("review", "post")):
        response = client.post("/donations/new", data=form_data(step, action=action, **{"lines-0-kg": kg}))
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "Step 1 of 3" in page
        error = re.search(r'<p class="error" id="lines-0-kg-error">([^<]*)</p>', page)
        assert error and message in error.group(1)
    assert donation_count(session) == before


def test_an_error_on_a_later_slot_is_shown_on_that_slot(login_as, client, form_data):
    """Blank slots are skipped, so the service's line numbers are mapped back to the slot the donor typed in."""
    login_as("grocer")
    extra = {"lines-2-description": "milk", "lines-2-kg": "-1", "lines-2-category": "dairy",
             "lines-2-storage": "refrigerated", "lines-2-use_by": form_data()["lines-0-use_by"]}
    page = client.post("/donations/new", data=form_data("lines", **extra)).get_data(as_text=True)
    assert 'id="lines-2-kg-error"' in page and 'id="lines-0-kg-error"' not in page
    assert re.search(r'<fieldset class="line" id="line-2"\s*>', page), "the slot with the error is shown"


def test_unknown_category_is_refused(login_as, client, form_data, session):
    login_as("grocer")
    before = donation_count(session)
    response = client.post("/donations/new", data=form_data("review", action="post", **{"lines-0-category": "caviar"}))
    assert response.status_code == 422
    assert 'id="lines-0-category-error"' in response.get_data(as_text=True)
    assert donation_count(session) == before


@pytest.mark.parametrize("start_h, end_h, message", [
    (3, 1, "must end after it starts"), (-5, -3, "already over"),
])
def test_reversed_or_past_window_is_refused_on_the_pickup_screen(login_as, client, form_data, session, now,
                                                                 start_h, end_h, message):
    login_as("grocer")
    before = donation_count(session)
    window = {"pickup_start": local(now + dt.timedelta(hours=start_h)), "pickup_end": local(now + dt.timedelta(hours=end_h))}
    for step, action in (("pickup", "next"), ("review", "post")):
        response = client.post("/donations/new", data=form_data(step, action=action, **window))
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and "Step 2 of 3" in page
        error = re.search(r'<p class="error" id="pickup_end-error">([^<]*)</p>', page)
        assert error and message in error.group(1)
    assert donation_count(session) == before


def test_use_by_before_the_pickup_sends_the_donor_back_to_the_line(login_as, client, form_data, session, now):
    login_as("grocer")
    before = donation_count(session)
    response = client.post("/donations/new", data=form_data(
        "pickup", **{"lines-0-use_by": local(now + dt.timedelta(minutes=30))}))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Step 1 of 3" in page
    assert re.search(r'id="lines-0-use_by-error">[^<]*before the pickup window', page)
    assert donation_count(session) == before


def test_posting_for_another_organization_is_refused(login_as, client, form_data, session):
    """A grocer who swaps the hidden donor id for another store's gets 403 and nothing is saved."""
    login_as("grocer")
    before = donation_count(session)
    response = client.post("/donations/new", data=form_data("review", action="post", donor="Alberta Street Market"))
    assert response.status_code == 403
    assert donation_count(session) == before


def test_farm_offers_produce_with_pack_type_and_availability(login_as, client, form_data, session, now):
    login_as("farmer")
    page = client.get("/donations/new").get_data(as_text=True)
    assert "Offer produce" in page and "Pack type" in page
    response = client.post("/donations/new", data=form_data(
        "review", action="post", donor="Sauvie Island Growers", **{
            "lines-0-category": None, "lines-0-description": "kale", "lines-0-kg": "150", "lines-0-pack_type": "crates",
            "lines-0-storage": "refrigerated", "lines-0-use_by": local(now + dt.timedelta(days=6)),
            "pickup_start": local(now + dt.timedelta(days=1)), "pickup_end": local(now + dt.timedelta(days=1, hours=4)),
            "available_from": local(now), "available_until": local(now + dt.timedelta(days=5))}))
    assert response.status_code == 302
    offer = session.get(Donation, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert offer.kind is DonationKind.PRODUCE
    line = offer.lines[0]
    assert (line.category.value, line.description, line.pack_type, line.quantity_g) == ("produce", "kale", "crates", 150_000)
    assert offer.available_until == (now + dt.timedelta(days=5)).replace(second=0)


def test_my_donations_lists_open_first_with_claimed_and_remaining_kg(login_as, client, make_donation, session, user,
                                                                     org, window, now):
    donation = make_donation(kg=20)
    claims.claim_line(session, user("foodbank@example.org"), donation.lines[0].id, org("Columbia Regional Food Bank"),
                      5, *window, now)
    closed = make_donation(kg=7, lines=None, category="dairy")
    closed.status = DonationStatus.CANCELLED
    session.commit()
    open_id, closed_id = donation.id, closed.id
    login_as("grocer_staff")
    page = client.get("/donations/").get_data(as_text=True)
    open_part, past_part = page.split('id="past-heading"')
    assert f"/donations/{open_id}" in open_part and f"/donations/{closed_id}" in past_part
    assert re.search(r"<td>bread and rolls</td><td>20</td>\s*<td>5</td><td>15</td>", open_part)


def test_detail_shows_lines_claims_history_and_claim_links_to_recipients(login_as, client, make_donation, session,
                                                                        user, org, window, now):
    donation = make_donation(kg=20)
    line = donation.lines[0]
    claims.claim_line(session, user("foodbank@example.org"), line.id, org("Columbia Regional Food Bank"), 5, *window, now)
    session.commit()
    donation_id, line_id = donation.id, line.id
    login_as("shelter")
    page = client.get(f"/donations/{donation_id}").get_data(as_text=True)
    assert f'href="/supply/lines/{line_id}/claim"' in page
    assert "15 kg" in page and "left" in page
    assert "Cancel this donation" not in page
    client.post("/signout", data={"csrf_token": csrf_token_from(page)})
    login_as("grocer")
    page = client.get(f"/donations/{donation_id}").get_data(as_text=True)
    assert "Columbia Regional Food Bank" in page and "Posted" in page and "Greta Grocer" in page
    assert "Cancel this donation" in page and f"/supply/lines/{line_id}/claim" not in page


def test_another_donor_cannot_see_or_cancel_a_donation(login_as, client, make_donation, session, post_form):
    donation = make_donation()
    session.commit()
    donation_id = donation.id
    login_as("farmer")
    assert client.get(f"/donations/{donation_id}").status_code == 404   # as if it did not exist
    assert post_form(f"/donations/{donation_id}/cancel", {"reason": "mine now"}).status_code == 404
    assert session.get(Donation, donation_id).status is DonationStatus.OPEN


def test_unknown_donation_is_404(login_as, client):
    login_as("grocer")
    assert client.get("/donations/999999").status_code == 404


def test_cancel_needs_a_reason_and_tells_claimants(login_as, client, make_donation, session, user, org, window, now,
                                                   post_form):
    donation = make_donation()
    claim = claims.claim_line(session, user("foodbank@example.org"), donation.lines[0].id,
                              org("Columbia Regional Food Bank"), 5, *window, now)
    session.commit()
    donation_id, claim_id = donation.id, claim.id
    login_as("grocer")
    refused = post_form(f"/donations/{donation_id}/cancel", {"reason": ""})
    assert refused.status_code == 422 and 'id="reason-error"' in refused.get_data(as_text=True)
    assert session.get(Donation, donation_id).status is DonationStatus.OPEN
    assert post_form(f"/donations/{donation_id}/cancel", {"reason": "Fridge broke"}).status_code == 302
    assert session.get(Donation, donation_id).status is DonationStatus.CANCELLED
    assert session.get(Claim, claim_id).status is ClaimStatus.CANCELLED
    told = session.scalars(select(Notification).where(
        Notification.link_endpoint == "donations.detail", Notification.title.like("Donation cancelled%")))
    assert any(n.link_args == {"donation_id": donation_id} for n in told)


def test_post_again_with_new_times(login_as, client, make_donation, session, now, post_form):
    donation = make_donation(kg=12)
    session.commit()
    donation_id = donation.id
    login_as("grocer")
    start, end = now + dt.timedelta(days=1), now + dt.timedelta(days=1, hours=2)
    response = post_form(f"/donations/{donation_id}/repost", {"pickup_start": local(start), "pickup_end": local(end)})
    assert response.status_code == 302
    again = session.get(Donation, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert again.id != donation_id and again.pickup_start == start.replace(second=0)
    assert again.lines[0].quantity_g == 12_000
    reversed_ = post_form(f"/donations/{donation_id}/repost", {"pickup_start": local(end), "pickup_end": local(start)})
    assert reversed_.status_code == 422 and 'id="pickup_end-error"' in reversed_.get_data(as_text=True)


def test_partners_are_ranked_and_the_first_right_explained(login_as, client, org, session, post_form):
    login_as("grocer")
    page = client.get("/donations/partners").get_data(as_text=True)
    assert "first right to claim" in page and "30 minutes" in page
    bank, shelter = org("Columbia Regional Food Bank"), org("Old Town Night Shelter")
    store = org("Hawthorne Green Grocer")
    ok = post_form("/donations/partners", {"donor_id": store.id, "partners-0": shelter.id, "partners-1": bank.id})
    assert ok.status_code == 302
    ranked = session.scalars(select(PriorityPartner).where(PriorityPartner.donor_id == store.id)
                             .order_by(PriorityPartner.rank)).all()
    assert [p.recipient_id for p in ranked] == [shelter.id, bank.id]
    twice = post_form("/donations/partners", {"donor_id": store.id, "partners-0": bank.id, "partners-1": bank.id})
    assert twice.status_code == 422 and "already ranked above" in twice.get_data(as_text=True)
    not_recipient = post_form("/donations/partners", {"donor_id": store.id, "partners-0": org("Alberta Street Market").id})
    assert not_recipient.status_code == 422


def test_donor_home_and_nav_lead_to_posting(login_as, client):
    login_as("grocer")
    page = client.get("/").get_data(as_text=True)
    assert "Post surplus" in page and ">Donate</a>" in page
    client.post("/signout", data={"csrf_token": csrf_token_from(page)})
    login_as("farmer")
    assert "Offer produce" in client.get("/").get_data(as_text=True)


def test_recipients_and_drivers_have_no_donate_link(login_as, client):
    login_as("foodbank")
    assert ">Donate</a>" not in client.get("/").get_data(as_text=True)
    assert client.get("/donations/new").status_code == 403


def test_a_recipient_sees_no_claim_link_while_a_partner_holds_the_first_right(login_as, client, make_donation, session,
                                                                            org, user):
    from coalition.services import donations

    donations.set_priority_partners(session, user("grocer@example.org"), org("Hawthorne Green Grocer"),
                                    [org("Old Town Night Shelter")])
    donation = make_donation()
    session.commit()
    donation_id, line_id = donation.id, donation.lines[0].id
    login_as("foodbank")
    page = client.get(f"/donations/{donation_id}").get_data(as_text=True)
    assert "Reserved for a partner" in page and f"/supply/lines/{line_id}/claim" not in page
    client.post("/signout", data={"csrf_token": csrf_token_from(page)})
    login_as("shelter")
    assert f"/supply/lines/{line_id}/claim" in client.get(f"/donations/{donation_id}").get_data(as_text=True)


def test_a_person_acting_for_two_donors_chooses_which(login_as, client, session, org, user, make_donation):
    from coalition.models import Membership, Role

    session.add(Membership(user=user("grocer@example.org"), organization=org("Sauvie Island Growers"), role=Role.STAFF))
    make_donation()
    session.commit()
    farm_id = org("Sauvie Island Growers").id
    login_as("grocer")
    store_page = client.get("/donations/").get_data(as_text=True)
    assert "bread and rolls" in store_page and f"/donations/?org={farm_id}" in store_page
    farm_page = client.get(f"/donations/?org={farm_id}").get_data(as_text=True)
    assert "bread and rolls" not in farm_page and "Offer produce" in farm_page
    assert "Offer produce" in client.get(f"/donations/new?org={farm_id}").get_data(as_text=True)
    assert client.get(f"/donations/?org={org('Alberta Street Market').id}").status_code == 403


def test_sending_post_twice_posts_once(login_as, client, form_data, session):
    """A phone that resends "Post donation" (a double tap, a retry) gets the donation already posted."""
    login_as("grocer")
    before = donation_count(session)
    first = client.post("/donations/new", data=form_data("review", action="post", draft="abc123"))
    again = client.post("/donations/new", data=form_data("review", action="post", draft="abc123"))
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    assert donation_count(session) == before + 1
    other = client.post("/donations/new", data=form_data("review", action="post", draft="another"))
    assert other.headers["Location"] != first.headers["Location"]
