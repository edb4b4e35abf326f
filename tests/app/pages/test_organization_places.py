"""A partner's site is entered as an address: found by the geocoder, chosen, confirmed, never saved half."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from coalition.models import Organization
from tests.fixtures.web import csrf_token_from

NEW = {"kind": "food_bank", "name": "Morrison Pantry", "phone": "503-555-0177", "refrigerated_capacity_kg": "0",
       "frozen_capacity_kg": "0", "admin_email": "pantry.lead@example.org"}


def _create(client, **fields):
    token = csrf_token_from(client.get("/organizations/new").get_data(as_text=True))
    return client.post("/organizations/new", data={**NEW, **fields, "csrf_token": token})


def _saved(session):
    return session.scalar(select(Organization).where(Organization.name == "Morrison Pantry"))


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(Organization))


def _error_beside(html: str, field: str) -> str:
    match = re.search(rf'<p class="error" id="{field}-error">([^<]+)</p>', html)
    assert match, f"no error beside {field}"
    return match.group(1)


def test_an_address_without_a_pin_is_geocoded_on_save(session, login_as, stand_in_geocoder):
    response = _create(login_as("backbone"), address="1200 SE Morrison St, Portland, OR")
    assert response.status_code == 302
    assert (_saved(session).latitude, _saved(session).longitude) == (45.5171, -122.6531)


def test_a_confirmed_pin_is_saved_as_placed_without_asking_the_geocoder(session, login_as, stand_in_geocoder):
    response = _create(login_as("backbone"), address="1200 SE Morrison St, Portland, OR",
                       latitude="45.51705", longitude="-122.65290")
    assert response.status_code == 302
    assert (_saved(session).latitude, _saved(session).longitude) == (45.51705, -122.6529)
    assert stand_in_geocoder.requests == []


def test_an_unknown_address_is_refused_beside_the_field_and_nothing_is_saved(session, login_as, stand_in_geocoder):
    before = _count(session)
    response = _create(login_as("backbone"), address="1 Nowhere Lane")
    assert response.status_code == 422
    assert "No place found" in _error_beside(response.get_data(as_text=True), "address")
    assert _count(session) == before


def test_several_matches_are_offered_and_the_chosen_one_is_saved(session, login_as, stand_in_geocoder):
    client = login_as("backbone")
    response = _create(client, address="100 Main St")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and _saved(session) is None
    assert "matches 2 places" in _error_beside(html, "address")
    assert 'value="45.6387,-122.6615"> 100 Main St, Vancouver, WA 98660' in html
    chosen = _create(client, address="100 Main St", match="45.6387,-122.6615")
    assert chosen.status_code == 302
    assert (_saved(session).latitude, _saved(session).longitude) == (45.6387, -122.6615)


def test_a_geocoder_that_does_not_answer_is_said_beside_the_field(session, login_as, stand_in_geocoder):
    before = _count(session)
    response = _create(login_as("backbone"), address="Slow Street 1")
    assert response.status_code == 503
    assert _error_beside(response.get_data(as_text=True), "address") == "The geocoder did not answer in time."
    assert _count(session) == before


def test_a_place_far_outside_the_area_is_saved_only_once_confirmed(session, login_as, stand_in_geocoder):
    client = login_as("backbone")
    response = _create(client, address="10 Rue de Rivoli, Paris")
    assert response.status_code == 422 and _saved(session) is None
    assert "km from the nearest partner" in _error_beside(response.get_data(as_text=True), "far_confirmed")
    confirmed = _create(client, address="10 Rue de Rivoli, Paris", far_confirmed="y")
    assert confirmed.status_code == 302
    assert _saved(session).latitude == 48.8556


def test_without_a_geocoder_an_address_alone_is_saved_as_before(session, login_as):
    response = _create(login_as("backbone"), address="1200 SE Morrison St, Portland, OR")
    assert response.status_code == 302
    assert _saved(session).address == "1200 SE Morrison St, Portland, OR" and _saved(session).latitude is None


def test_the_form_carries_the_picker_in_data_attributes_and_no_inline_script(login_as, org):
    store = org("Hawthorne Green Grocer")
    html = login_as("grocer").get(f"/organizations/{store.id}/edit").get_data(as_text=True)
    assert 'data-place-picker' in html and 'data-geocode-url="/places/geocode"' in html
    assert f'data-organization-id="{store.id}"' in html
    assert "<summary>Coordinates</summary>" in html
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
