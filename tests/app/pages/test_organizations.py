"""Organization profiles: viewing, editing, hours, activation."""
from __future__ import annotations

import pytest

from coalition.errors import PermissionDenied, ValidationError
from coalition.models import OrganizationKind
from coalition.services import organizations
from tests.fixtures.web import csrf_token_from


def _edit_form(client, organization_id: int, **changes) -> dict:
    page = client.get(f"/organizations/{organization_id}/edit").get_data(as_text=True)
    data = {"kind": "grocery", "name": "Hawthorne Green Grocer", "address": "3016 SE Hawthorne Blvd",
            "latitude": "45.5122", "longitude": "-122.6348", "phone": "503-555-0110",
            "refrigerated_capacity_kg": "0", "frozen_capacity_kg": "0", "csrf_token": csrf_token_from(page)}
    data.update(changes)
    return data


def test_an_admin_edits_hours_and_storage_of_their_organization(login_as, org, session):
    client = login_as("grocer")
    store = org("Hawthorne Green Grocer")
    data = _edit_form(client, store.id, hours_mon="06:00-23:00", hours_sun="closed", refrigerated_capacity_kg="120")
    response = client.post(f"/organizations/{store.id}/edit", data=data)
    assert response.status_code == 302
    session.expire_all()
    store = org("Hawthorne Green Grocer")
    assert store.hours == {"mon": [["06:00", "23:00"]]}
    assert store.refrigerated_capacity_kg == 120


def test_reversed_hours_are_refused_beside_the_day_and_nothing_is_saved(login_as, org, session):
    client = login_as("grocer")
    store = org("Hawthorne Green Grocer")
    before = dict(store.hours)
    response = client.post(f"/organizations/{store.id}/edit", data=_edit_form(client, store.id, hours_wed="17:00-08:00", phone="000"))
    assert response.status_code == 422
    assert "the start must be before the end" in response.get_data(as_text=True)
    session.expire_all()
    assert org("Hawthorne Green Grocer").hours == before
    assert org("Hawthorne Green Grocer").phone == "503-555-0110"


def test_a_duplicate_name_is_refused(login_as, org):
    client = login_as("grocer")
    store = org("Hawthorne Green Grocer")
    response = client.post(f"/organizations/{store.id}/edit", data=_edit_form(client, store.id, name="alberta street market"))
    assert response.status_code == 422
    assert "Another organization already has this name." in response.get_data(as_text=True)


def test_only_the_backbone_changes_an_organizations_kind(session, user, org):
    store = org("Hawthorne Green Grocer")
    details = organizations.OrganizationDetails(kind=OrganizationKind.FOOD_BANK, name=store.name)
    with pytest.raises(ValidationError):
        organizations.update_organization(session, user("grocer@example.org"), store, details)
    organizations.update_organization(session, user("backbone@example.org"), store, details)
    assert store.kind is OrganizationKind.FOOD_BANK


def test_staff_cannot_edit_their_organization(session, user, org):
    store = org("Hawthorne Green Grocer")
    details = organizations.OrganizationDetails(kind=store.kind, name="Taken Over")
    with pytest.raises(PermissionDenied):
        organizations.update_organization(session, user("grocer.staff@example.org"), store, details)


@pytest.mark.parametrize("text", ["9-5", "08:00", "25:00-26:00", "08:00-12:00,", "08:00 - 12:00 - 13:00"])
def test_malformed_hours_are_rejected(text):
    with pytest.raises(ValidationError) as error:
        organizations.parse_hours({"mon": text})
    assert "hours_mon" in error.value.fields


def test_a_profile_shows_hours_storage_and_a_map(login_as, org):
    client = login_as("driver")
    bank = org("Columbia Regional Food Bank")
    html = client.get(f"/organizations/{bank.id}").get_data(as_text=True)
    assert "4000 kg refrigerated" in html
    assert "08:00-17:00" in html and "Receiving hours" in html
    assert 'id="map"' in html and "/vendor/leaflet/leaflet.js" in html
    assert "Edit details" not in html and ">People<" not in html


def test_the_coalition_admin_deactivates_an_organization_and_its_members_lose_its_roles(login_as, org, session, app):
    client = login_as("backbone")
    farm = org("Tualatin Valley Farm")
    page = client.get(f"/organizations/{farm.id}").get_data(as_text=True)
    response = client.post(f"/organizations/{farm.id}/active", data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    session.expire_all()
    assert org("Tualatin Valley Farm").active is False
    listing = client.get("/api/v1/organizations").get_json()["organizations"]
    assert "Tualatin Valley Farm" not in {o["name"] for o in listing}


def test_the_backbone_cannot_be_deactivated(session, user, org):
    from coalition.errors import Conflict

    with pytest.raises(Conflict):
        organizations.set_organization_active(session, user("backbone@example.org"), org("Feeding Our City Backbone"), False)


def test_the_leaflet_asset_is_served_from_its_package(client):
    response = client.get("/vendor/leaflet/leaflet.js")
    assert response.status_code == 200
    assert b"Leaflet" in response.data[:2000]
    response.close()
