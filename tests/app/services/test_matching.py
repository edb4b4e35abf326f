"""Matching: the pure allocation on hand-checkable cases, the database layer, the page and the accept flow."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from coalition.models import Claim, FoodCategory, Need, StorageClass
from coalition.services import claims, matching
from coalition.services.matching import OpenLine, OpenNeed, Site, allocate
from tests.fixtures.web import csrf_token_from

NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.timezone.utc)
LOCAL = ZoneInfo("America/Los_Angeles")   # the test app's COALITION_TIMEZONE
# Sites on one parallel: 0.01 degree of longitude is about 0.78 km here.
DONOR = Site(1, "Corner Store", 45.5, -122.60)
NEAR = Site(10, "Near Shelter", 45.5, -122.61)
FAR = Site(11, "Far Pantry", 45.5, -122.70)
BAKERY, PRODUCE = FoodCategory.BAKERY, FoodCategory.PRODUCE
AMBIENT, FRIDGE, FROZEN = StorageClass.AMBIENT, StorageClass.REFRIGERATED, StorageClass.FROZEN


def line(id=1, kg=20, category=BAKERY, storage=AMBIENT, **extra):
    return OpenLine(id, DONOR, category, storage, int(kg * 1000), "bread and rolls", **extra)


def need(id=100, site=NEAR, kg=20, category=BAKERY, storage=AMBIENT, hours=24):
    return OpenNeed(id, site, category, storage, int(kg * 1000), NOW + dt.timedelta(hours=hours))


def grams_by_pair(suggestions):
    return {(s.line.id, s.need.id): s.grams for s in suggestions}


def test_storage_mismatch_is_never_matched():
    """Refrigerated food never goes to an ambient need (nor the reverse), even with plenty of space."""
    got = allocate([line(storage=FRIDGE), line(2, storage=AMBIENT)],
                   [need(storage=AMBIENT, kg=5), need(101, storage=FRIDGE, kg=5)],
                   {(NEAR.id, FRIDGE): 100_000}, NOW)
    assert grams_by_pair(got) == {(1, 101): 5000, (2, 100): 5000}


def test_category_mismatch_is_never_matched():
    assert allocate([line(category=PRODUCE)], [need(category=BAKERY)], {}, NOW) == []


def test_receiving_capacity_caps_refrigerated_kg_to_a_recipient():
    """30 kg wanted over two refrigerated needs, but only 12 kg of fridge space: 12 kg go."""
    got = allocate([line(kg=40, storage=FRIDGE)],
                   [need(kg=15, storage=FRIDGE), need(101, kg=15, storage=FRIDGE)],
                   {(NEAR.id, FRIDGE): 12_000}, NOW)
    assert sum(s.grams for s in got) == 12_000
    assert "refrigerated space 12 kg free" in got[0].explanation


def test_no_cold_space_stated_means_no_cold_food():
    assert allocate([line(storage=FROZEN)], [need(storage=FROZEN)], {}, NOW) == []


def test_the_more_urgent_need_wins_when_supply_is_short():
    """10 kg of bread, two needs of 10 kg at the same distance: the one needed in 6 h beats the one in 3 days."""
    twin = Site(12, "Twin Shelter", NEAR.latitude, NEAR.longitude)
    got = allocate([line(kg=10)], [need(100, NEAR, kg=10, hours=72), need(101, twin, kg=10, hours=6)], {}, NOW)
    assert grams_by_pair(got) == {(1, 101): 10_000}
    assert "(most urgent)" in got[0].explanation


def test_the_nearer_recipient_wins_on_equal_urgency():
    got = allocate([line(kg=10)], [need(100, FAR, kg=10), need(101, NEAR, kg=10)], {}, NOW)
    assert grams_by_pair(got) == {(1, 101): 10_000}
    assert "(nearest)" in got[0].explanation and "0.8 km from the donor" in got[0].explanation


def test_a_priority_reservation_keeps_the_line_for_the_partner():
    """While the far pantry holds the first right, the near shelter is not offered the line."""
    got = allocate([line(kg=10, reserved_for=FAR.id)], [need(101, NEAR, kg=10), need(100, FAR, kg=10)], {}, NOW)
    assert grams_by_pair(got) == {(1, 100): 10_000}
    assert "priority partner of Corner Store" in got[0].explanation


def test_totals_never_exceed_a_line_or_a_need():
    lines = [line(1, kg=25), line(2, kg=7), line(3, kg=40, category=PRODUCE)]
    needs = [need(100, NEAR, kg=10), need(101, FAR, kg=30), need(102, NEAR, kg=5, category=PRODUCE)]
    got = allocate(lines, needs, {}, NOW)
    for item in lines:
        assert sum(s.grams for s in got if s.line.id == item.id) <= item.available_g
    for item in needs:
        assert sum(s.grams for s in got if s.need.id == item.id) <= item.wanted_g
    # Everything wanted is met: 32 kg bakery covers 10 + 22 of the 30; 5 kg produce.
    assert sum(s.grams for s in got) == 32_000 + 5_000


def test_a_line_taken_whole_is_suggested_whole_or_not_at_all():
    """20 kg the donor will not split, needs of 15 and 8 kg: no need takes all of it, so nothing is suggested."""
    assert allocate([line(kg=20, whole_only=True)], [need(100, kg=15), need(101, FAR, kg=8)], {}, NOW) == []
    got = allocate([line(kg=20, whole_only=True)], [need(100, kg=15), need(101, FAR, kg=25)], {}, NOW)
    assert grams_by_pair(got) == {(1, 101): 20_000}


def test_too_far_is_not_suggested():
    assert allocate([line()], [need(site=FAR)], {}, NOW, matching.Weights(max_km=5)) == []


def test_leftovers_say_why_supply_is_unmatched_and_needs_are_short():
    lines = [line(1, kg=30), line(2, kg=10, category=PRODUCE), line(3, kg=10, storage=FRIDGE)]
    needs = [need(100, kg=20), need(101, kg=8, storage=FRIDGE), need(102, kg=5, category=FoodCategory.DAIRY)]
    space = {(NEAR.id, FRIDGE): 3_000}
    got = allocate(lines, needs, space, NOW)
    supply, short = matching.explain_leftovers(lines, needs, space, got, NOW)
    assert [(x.label, x.grams, x.reason) for x in supply] == [
        ("bread and rolls (Corner Store)", 10_000, "The needs it could meet are met."),
        ("bread and rolls (Corner Store)", 10_000, "No open need for produce (ambient)."),
        ("bread and rolls (Corner Store)", 7_000, "No refrigerated space left at the recipients that need it."),
    ]
    assert [(x.grams, x.reason) for x in short] == [
        (5_000, "Its refrigerated space is full."), (5_000, "No open supply of dairy (ambient)."),
    ]


def test_default_delivery_window_falls_in_the_recipients_hours():
    la = LOCAL
    pickup_end = dt.datetime(2026, 11, 24, 22, 0, tzinfo=la)   # a Tuesday night
    hours = {"wed": [["08:00", "17:00"]]}
    start, end = matching.default_delivery_window(pickup_end.astimezone(dt.timezone.utc), hours, la)
    assert (start.astimezone(la), end.astimezone(la)) == (
        dt.datetime(2026, 11, 25, 8, 0, tzinfo=la), dt.datetime(2026, 11, 25, 10, 0, tzinfo=la))
    start, end = matching.default_delivery_window(pickup_end, {}, la)
    assert (start, end) == (pickup_end, pickup_end + dt.timedelta(hours=2))


def test_the_delivery_window_is_the_needs_own_window_when_one_fits():
    """Food ready at 22:00: a need's window 20:00-23:00 has 1 h left, so delivery is 22:00-23:00."""
    ready = NOW + dt.timedelta(hours=10)
    windows = ((ready - dt.timedelta(hours=2), ready + dt.timedelta(hours=1)),)
    assert matching.delivery_window_for(ready, windows, {}, dt.timezone.utc) == (ready, ready + dt.timedelta(hours=1))
    too_short = ((ready - dt.timedelta(hours=2), ready + dt.timedelta(minutes=10)),)
    assert matching.delivery_window_for(ready, too_short, {}, dt.timezone.utc) == (ready, ready + dt.timedelta(hours=2))


# --- the database layer -----------------------------------------------------

@pytest.fixture
def shelter_need(session, org, now):
    def _make(kg=20, category="bakery", storage="ambient", fridge_kg=0, hours=24, recipient="Old Town Night Shelter"):
        item = Need(recipient=org(recipient), category=FoodCategory(category), storage=StorageClass(storage),
                    quantity_g=int(kg * 1000), needed_by=now + dt.timedelta(hours=hours), people_expected=80,
                    refrigerated_free_g=int(fridge_kg * 1000))
        session.add(item)
        session.flush()
        return item
    return _make


def test_the_plan_subtracts_kg_already_claimed_from_lines_and_needs(session, make_donation, shelter_need, org, user, now, window):
    donation = make_donation(kg=30)
    target = shelter_need(kg=20)
    claims.claim_line(session, user("shelter@example.org"), donation.lines[0].id, org("Old Town Night Shelter"), 8,
                      *window, now, need=target)
    plan = matching.build_plan(session, now)
    mine = [s for s in plan.suggestions if s.need.id == target.id]
    assert [(s.line.id, s.grams) for s in mine] == [(donation.lines[0].id, 12_000)]
    assert "Old Town Night Shelter needs 12 kg bakery" in mine[0].explanation


def test_cold_space_counts_what_is_already_claimed(session, make_donation, shelter_need, org, user, now, window):
    donation = make_donation(kg=50, category="dairy", storage="refrigerated")
    first = shelter_need(kg=10, category="dairy", storage="refrigerated", fridge_kg=25)
    second = shelter_need(kg=30, category="dairy", storage="refrigerated", fridge_kg=25)
    claims.claim_line(session, user("shelter@example.org"), donation.lines[0].id, org("Old Town Night Shelter"), 10,
                      *window, now, need=first)
    mine = [s for s in matching.suggest_allocation(session, now) if s.need.recipient.name == "Old Town Night Shelter"]
    assert [(s.need.id, s.grams) for s in mine] == [(second.id, 15_000)]


# --- the page and the accept flow -------------------------------------------

def test_the_matching_page_explains_each_suggestion_with_totals(login_as, make_donation, shelter_need, session):
    make_donation(kg=20)
    make_donation(kg=5, category="meat_fish", storage="frozen")
    shelter_need(kg=20)
    session.commit()  # requests end their session: only committed rows survive (as savepoints)
    client = login_as("coordinator")
    html = client.get("/matching/").get_data(as_text=True)
    assert "Old Town Night Shelter needs 20 kg bakery" in html
    assert "20 kg matched" in html and "of 25 kg open" in html
    assert "Supply left unmatched" in html and "No open need for meat and fish (frozen)." in html
    by_recipient = client.get("/matching/?by=recipient").get_data(as_text=True)
    assert "Old Town Night Shelter" in by_recipient


def test_only_the_backbone_staff_see_the_matching_page(login_as):
    assert login_as("grocer").get("/matching/").status_code == 403


def _accept(client, rows: dict[str, str], ticked: list[str]):
    token = csrf_token_from(client.get("/matching/").get_data(as_text=True))
    data = {"csrf_token": token, "row": list(rows), "take": ticked}
    data.update({f"kg-{key}": kg for key, kg in rows.items()})
    return client.post("/matching/accept", data=data)


def test_accepting_creates_claims_on_behalf_linked_to_the_need(login_as, make_donation, shelter_need, session, now):
    client = login_as("coordinator")
    donation = make_donation(kg=20)
    target = shelter_need(kg=20)
    key = f"{donation.lines[0].id}-{target.id}"
    session.commit()
    [shown] = [s for s in matching.suggest_allocation(session, now, LOCAL) if s.key == key]
    response = _accept(client, {key: "15"}, [key])
    assert response.status_code == 302
    claim = session.scalar(select(Claim).where(Claim.need_id == target.id))
    assert claim.quantity_g == 15_000 and claim.on_behalf and claim.recipient.name == "Old Town Night Shelter"
    assert claim.delivery_start >= donation.pickup_end
    # The window shown on the page is the one the claim got: within the shelter's hours (09:00-21:00 local).
    assert (shown.delivery_start, shown.delivery_end) == (claim.delivery_start, claim.delivery_end)
    assert 9 <= claim.delivery_start.astimezone(LOCAL).hour < 21


def test_an_unticked_row_is_not_claimed(login_as, make_donation, shelter_need, session):
    client = login_as("coordinator")
    a, b = make_donation(kg=10), make_donation(kg=10)
    target = shelter_need(kg=20)
    first, target_id = a.lines[0].id, target.id
    keys = [f"{first}-{target_id}", f"{b.lines[0].id}-{target_id}"]
    session.commit()
    assert _accept(client, {k: "10" for k in keys}, keys[:1]).status_code == 302
    assert [c.line_id for c in session.scalars(select(Claim).where(Claim.need_id == target_id))] == [first]


def test_a_conflict_row_is_reported_and_the_others_still_go_through(login_as, make_donation, shelter_need, session, org, user, now, window):
    client = login_as("coordinator")
    taken, free = make_donation(kg=10), make_donation(kg=10)
    target = shelter_need(kg=20)
    # Someone else claims the first line between the page and the accept.
    claims.claim_line(session, user("foodbank@example.org"), taken.lines[0].id, org("Columbia Regional Food Bank"), None,
                      *window, now)
    session.commit()
    keys = [f"{taken.lines[0].id}-{target.id}", f"{free.lines[0].id}-{target.id}"]
    response = _accept(client, {k: "10" for k in keys}, keys)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Already claimed" in html and "1 claim created" in html
    assert [c.line_id for c in session.scalars(select(Claim).where(Claim.need_id == target.id))] == [free.lines[0].id]


def test_bad_kg_saves_nothing_and_shows_the_error_beside_the_row(login_as, make_donation, shelter_need, session):
    client = login_as("coordinator")
    a, b = make_donation(kg=10), make_donation(kg=10)
    target = shelter_need(kg=20)
    good, bad = f"{a.lines[0].id}-{target.id}", f"{b.lines[0].id}-{target.id}"
    session.commit()
    response = _accept(client, {good: "10", bad: "-3"}, [good, bad])
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="kg-{bad}-error"' in html and "more than 0 kg" in html
    assert session.scalar(select(Claim).where(Claim.need_id == target.id)) is None


def test_a_forged_row_pairing_different_food_is_refused(login_as, make_donation, shelter_need, session):
    client = login_as("coordinator")
    donation = make_donation(kg=10, category="produce")
    target = shelter_need(kg=20, category="bakery")
    key = f"{donation.lines[0].id}-{target.id}"
    session.commit()
    assert _accept(client, {key: "5"}, [key]).status_code == 422
    assert session.scalar(select(Claim).where(Claim.need_id == target.id)) is None


def test_accepting_nothing_is_a_clear_error(login_as):
    client = login_as("coordinator")
    response = _accept(client, {}, [])
    assert response.status_code == 422 and "Tick at least one suggestion" in response.get_data(as_text=True)


def test_backbone_staff_find_matching_in_the_menu_and_on_their_home_page(login_as, app):
    html = login_as("coordinator").get("/").get_data(as_text=True)
    assert 'href="/matching/">Matching</a>' in html and "Suggested matches" in html
    from tests.fixtures.web import ROLE_EMAILS, sign_in

    other = app.test_client()
    sign_in(other, ROLE_EMAILS["foodbank"])
    assert 'href="/matching/"' not in other.get("/").get_data(as_text=True)
