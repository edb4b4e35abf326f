"""The geocoding service against the stand-in Nominatim: answers, cache, errors and the service area."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from coalition.errors import ValidationError
from coalition.models.geocode import GeocodeResult
from coalition.services import geocoding
from coalition.services.geocoding import AmbiguousAddress, GeocoderSettings, GeocoderUnavailable, PlaceInput


@pytest.fixture
def settings(stand_in_geocoder):
    return GeocoderSettings(url=stand_in_geocoder.url, user_agent="Test Coalition food-rescue coalition",
                            timeout_s=1.0, min_delay_s=0.0)


def test_a_known_address_becomes_its_point_with_the_coalition_user_agent(session, settings, stand_in_geocoder):
    matches = geocoding.geocode(session, settings, "1200 SE Morrison St,  Portland, OR")
    assert [(m.latitude, m.longitude) for m in matches] == [(45.5171, -122.6531)]
    assert matches[0].label == "1200 SE Morrison St, Portland, OR 97214"
    assert stand_in_geocoder.requests == [("1200 SE Morrison St, Portland, OR", "Test Coalition food-rescue coalition")]


def test_an_address_is_asked_once_then_answered_from_the_database(session, settings, stand_in_geocoder):
    first = geocoding.geocode(session, settings, "4400 NE Broadway, Portland, OR")
    again = geocoding.geocode(session, settings, "4400 ne broadway,   PORTLAND, or")
    assert first == again
    assert len(stand_in_geocoder.requests) == 1
    assert session.scalar(select(func.count()).select_from(GeocodeResult)) == 1


def test_the_cache_answers_even_without_a_geocoder(session, settings):
    geocoding.geocode(session, settings, "4400 NE Broadway, Portland, OR")
    offline = GeocoderSettings(url=None)
    assert geocoding.locate(session, offline, "4400 NE Broadway, Portland, OR").latitude == 45.5349


def test_an_unknown_address_is_not_found_and_not_cached(session, settings):
    with pytest.raises(ValidationError) as error:
        geocoding.locate(session, settings, "1 Nowhere Lane")
    assert "No place found" in error.value.fields["address"]
    assert session.scalar(select(func.count()).select_from(GeocodeResult)) == 0


def test_an_ambiguous_address_lists_every_place(session, settings):
    with pytest.raises(AmbiguousAddress) as error:
        geocoding.locate(session, settings, "100 Main St")
    assert [m.label for m in error.value.matches] == ["100 Main St, Portland, OR 97204", "100 Main St, Vancouver, WA 98660"]
    assert "matches 2 places" in error.value.fields["address"]


def test_a_slow_geocoder_times_out_as_unavailable(session, settings):
    started = time.monotonic()
    with pytest.raises(GeocoderUnavailable) as error:
        geocoding.geocode(session, settings, "Slow Street 1")
    assert time.monotonic() - started < 2.5
    assert error.value.status_code == 503 and "in time" in error.value.fields["address"]


def test_a_geocoder_that_cannot_be_reached_is_unavailable(session, geocoder_server):
    # A port nothing listens on: the stand-in's own, once a second server has taken and freed it.
    from tests.fixtures.geocoder import StandInGeocoder

    gone = StandInGeocoder()
    gone.server.server_close()
    with pytest.raises(GeocoderUnavailable, match="cannot be reached"):
        geocoding.geocode(session, GeocoderSettings(url=gone.url, timeout_s=1.0, min_delay_s=0.0), "1 Nowhere Lane")


def test_without_a_geocoder_no_server_is_asked(session, stand_in_geocoder):
    with pytest.raises(GeocoderUnavailable, match="No geocoder is set up"):
        geocoding.geocode(session, GeocoderSettings(url=None), "1200 SE Morrison St, Portland, OR")
    assert stand_in_geocoder.requests == []


def test_requests_are_spaced_by_the_rate_limit(session, stand_in_geocoder):
    polite = GeocoderSettings(url=stand_in_geocoder.url, timeout_s=1.0, min_delay_s=0.4)
    started = time.monotonic()
    for address in ("1 Nowhere Lane", "2 Nowhere Lane", "3 Nowhere Lane"):
        geocoding.geocode(session, polite, address)
    assert time.monotonic() - started >= 0.8


def test_resolve_place_prefers_the_pin_and_asks_nothing(session, settings, stand_in_geocoder):
    point = geocoding.resolve_place(session, settings, PlaceInput("1 Nowhere Lane", 45.52, -122.66))
    assert point == (45.52, -122.66)
    assert stand_in_geocoder.requests == []


def test_resolve_place_geocodes_an_address_without_a_pin(session, settings):
    assert geocoding.resolve_place(session, settings, PlaceInput("1200 SE Morrison St, Portland, OR")) == (
        45.5171, -122.6531)


def test_without_a_geocoder_an_address_alone_is_kept_without_a_point(session):
    assert geocoding.resolve_place(session, GeocoderSettings(url=None), PlaceInput("1 Any St")) == (None, None)


def test_a_point_far_outside_the_service_area_needs_confirming(session, settings):
    with pytest.raises(ValidationError) as error:
        geocoding.resolve_place(session, settings, PlaceInput("10 Rue de Rivoli, Paris"))
    assert "km from the nearest partner" in error.value.fields["far_confirmed"]
    confirmed = PlaceInput("10 Rue de Rivoli, Paris", far_confirmed=True)
    assert geocoding.resolve_place(session, settings, confirmed) == (48.8556, 2.3601)


def test_half_coordinates_are_refused(session, settings):
    with pytest.raises(ValidationError) as error:
        geocoding.resolve_place(session, settings, PlaceInput("", 45.5, None))
    assert "latitude" in error.value.fields


def test_the_provider_is_chosen_by_name_and_an_unknown_one_is_refused(tmp_path, monkeypatch):
    from coalition.config import Config

    monkeypatch.setenv("GEOCODER", "Photon")
    assert Config(tmp_path).GEOCODER == "photon"
    monkeypatch.setenv("GEOCODER", "google")
    with pytest.raises(ValueError, match="nominatim, photon or pelias"):
        Config(tmp_path)


def test_the_user_agent_names_the_coalition_by_default():
    settings = GeocoderSettings.from_config({"COALITION_NAME": "Feeding Elm City", "GEOCODER_URL": "http://x"})
    assert settings.user_agent == "Feeding Elm City food-rescue coalition" and settings.configured


def test_a_confidential_site_counts_for_no_distance_or_centre(session, settings, org):
    """Distances and the map's centre are shown to anyone entering a place: a confidential shelter is not in them."""
    hidden = org("Hawthorne Green Grocer")
    hidden.confidential, hidden.latitude, hidden.longitude = True, 48.8557, 2.3602
    session.flush()
    assert (48.8557, 2.3602) not in [tuple(p) for p in geocoding.network_points(session)]
    with pytest.raises(ValidationError) as error:
        geocoding.resolve_place(session, settings, PlaceInput("10 Rue de Rivoli, Paris"))
    assert "km from the nearest partner" in error.value.fields["far_confirmed"]
    assert geocoding.network_center(session)[0] < 46
