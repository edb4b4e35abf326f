"""The "Find on map" endpoint: matches with their distance from the network, errors as {"error", "fields"}."""
from __future__ import annotations



def test_a_known_address_answers_its_point(login_as, stand_in_geocoder):
    response = login_as("grocer").get("/places/geocode?q=1200 SE Morrison St, Portland, OR")
    assert response.status_code == 200
    assert response.get_json() == {"matches": [
        {"lat": 45.5171, "lon": -122.6531, "label": "1200 SE Morrison St, Portland, OR 97214", "far_km": None}]}


def test_an_ambiguous_address_answers_every_place(login_as, stand_in_geocoder):
    matches = login_as("driver").get("/places/geocode?q=100 Main St").get_json()["matches"]
    assert [m["label"] for m in matches] == ["100 Main St, Portland, OR 97204", "100 Main St, Vancouver, WA 98660"]


def test_a_place_far_from_every_partner_says_how_far(login_as, stand_in_geocoder):
    match = login_as("grocer").get("/places/geocode?q=10 Rue de Rivoli, Paris").get_json()["matches"][0]
    assert match["far_km"] > 8000


def test_an_unknown_address_is_404_beside_the_address(login_as, stand_in_geocoder):
    response = login_as("grocer").get("/places/geocode?q=1 Nowhere Lane")
    assert response.status_code == 404
    assert "No place found" in response.get_json()["fields"]["address"]


def test_a_slow_geocoder_is_503(login_as, stand_in_geocoder):
    response = login_as("grocer").get("/places/geocode?q=Slow Street 1")
    assert response.status_code == 503
    assert response.get_json()["fields"] == {"address": "The geocoder did not answer in time."}


def test_without_a_geocoder_the_answer_says_to_place_the_pin(login_as):
    response = login_as("grocer").get("/places/geocode?q=1200 SE Morrison St, Portland, OR")
    assert response.status_code == 503
    assert "place the pin" in response.get_json()["error"]


def test_an_empty_address_is_422(login_as):
    response = login_as("grocer").get("/places/geocode?q=%20")
    assert response.status_code == 422 and "address" in response.get_json()["fields"]


def test_anonymous_visitors_cannot_use_the_geocoder(client):
    assert client.get("/places/geocode?q=x").status_code == 302
