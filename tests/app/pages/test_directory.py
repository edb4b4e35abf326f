"""The partner directory: role in the plan, what a partner accepts, service area, contribution, stale details."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import select

from coalition.errors import PermissionDenied, ValidationError
from coalition.models import DeliveryRecord, Notification, NotificationKind, PartnerProfile
from coalition.services import directory, places

GROCER = "Hawthorne Green Grocer"
SHELTER = "Old Town Night Shelter"


def _delivery(session, org, now, donor, recipient, kg):
    session.add(DeliveryRecord(delivered_at=now, quantity_g=int(kg * 1000), picked_up_g=int(kg * 1000),
                               category="bakery", storage="ambient", donor_id=org(donor).id,
                               recipient_id=org(recipient).id))
    session.flush()


def test_an_admin_saves_role_accepts_and_service_area_which_also_confirms(session, org, user, now):
    profile = directory.update_profile(session, user("shelter@example.org"), org(SHELTER), directory.ProfileInput(
        roles=["distributes", "stores"], accepted_categories=["prepared", "bakery"], accepted_storage=["refrigerated"],
        service_radius_km=5, service_neighborhoods=" Old Town ,Pearl ,"), now)
    assert profile.roles == ["distributes", "stores"]
    assert profile.accepted_categories == ["bakery", "prepared"]          # kept in the list's order
    assert profile.service_neighborhoods == "Old Town, Pearl"
    assert profile.confirmed_at == now and not directory.is_stale(profile, now, 90)


def test_unknown_roles_and_an_absurd_radius_are_refused_by_field(session, org, user, now):
    with pytest.raises(ValidationError) as error:
        directory.update_profile(session, user("shelter@example.org"), org(SHELTER), directory.ProfileInput(
            roles=["smuggles"], accepted_categories=["gold"], accepted_storage=["warm"], service_radius_km=5000), now)
    assert set(error.value.fields) == {"roles", "accepted_categories", "accepted_storage", "service_radius_km"}
    assert session.get(PartnerProfile, org(SHELTER).id) is None


def test_another_organizations_people_cannot_edit_or_confirm_its_details(session, org, user, now):
    with pytest.raises(PermissionDenied):
        directory.update_profile(session, user("grocer@example.org"), org(SHELTER),
                                 directory.ProfileInput(["donates"], [], []), now)
    with pytest.raises(PermissionDenied):
        directory.confirm_details(session, user("backbone@example.org"), org(SHELTER), now)  # admins of the shelter only


def test_contribution_counts_kg_donated_and_received_from_delivery_records(session, org, now):
    _delivery(session, org, now, GROCER, SHELTER, 12.5)
    _delivery(session, org, now, GROCER, "Columbia Regional Food Bank", 7.5)
    grocer = directory.entry_for(session, org(GROCER), now, 90)
    shelter = directory.entry_for(session, org(SHELTER), now, 90)
    assert (grocer.donated_kg, grocer.received_kg) == (20.0, 0.0)
    assert (shelter.donated_kg, shelter.received_kg) == (0.0, 12.5)


def test_details_go_stale_after_the_configured_days(session, org, user, now):
    directory.confirm_details(session, user("shelter@example.org"), org(SHELTER), now - dt.timedelta(days=91))
    entries = {e.organization.name: e for e in directory.list_directory(session, now, 90)}
    assert entries[SHELTER].stale
    assert not {e.organization.name: e for e in directory.list_directory(session, now, 120)}[SHELTER].stale
    directory.confirm_details(session, user("shelter@example.org"), org(SHELTER), now)
    assert SHELTER not in {e.organization.name for e in directory.list_directory(session, now, 90, only_stale=True)}
    assert "Feeding Our City Backbone" not in {e.organization.name for e in directory.list_directory(session, now, 90)}


def test_the_backbone_asks_a_stale_partner_to_confirm_in_one_click(client, login_as, session, org, user):
    login_as("coordinator")
    shelter = org(SHELTER)
    page = client.get("/directory/?stale=1").get_data(as_text=True)
    assert SHELTER in page and "Ask to confirm" in page
    from tests.fixtures.web import csrf_token_from

    response = client.post(f"/directory/{shelter.id}/request-confirmation", data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    note = session.scalar(select(Notification).where(Notification.user_id == user("shelter@example.org").id,
                                                     Notification.kind == NotificationKind.DETAILS_CHECK))
    assert (note.link_endpoint, note.link_args) == ("directory.detail", {"organization_id": shelter.id}) and note.send_email
    assert session.get(PartnerProfile, shelter.id).confirmation_requested_at is not None


def test_an_organization_admin_confirms_in_one_click(client, login_as, session, org, post_form):
    login_as("shelter")
    shelter = org(SHELTER)
    page = client.get(f"/directory/{shelter.id}").get_data(as_text=True)
    assert "Yes, confirm they are current" in page
    assert post_form(f"/directory/{shelter.id}/confirm", {}).status_code == 302
    session.expire_all()
    assert session.get(PartnerProfile, shelter.id).confirmed_at is not None
    assert "Yes, confirm they are current" not in client.get(f"/directory/{shelter.id}").get_data(as_text=True)


def test_bad_profile_input_is_shown_beside_the_field(client, login_as, org, post_form, session):
    login_as("shelter")
    url = f"/directory/{org(SHELTER).id}/edit"
    response = post_form(url, {"roles": ["distributes"], "service_radius_km": "900"}, token_page=url)
    assert response.status_code == 422
    assert 'id="service_radius_km-error">Between 0 and 500 km.' in response.get_data(as_text=True)
    assert session.get(PartnerProfile, org(SHELTER).id) is None


def test_the_profile_page_shows_role_accepts_area_and_contribution(client, login_as, org, session, user, now):
    directory.update_profile(session, user("shelter@example.org"), org(SHELTER), directory.ProfileInput(
        ["distributes"], ["prepared"], ["refrigerated"], 5, "Old Town"), now)
    _delivery(session, org, now, GROCER, SHELTER, 12.5)
    session.commit()
    login_as("farmer")
    page = client.get(f"/directory/{org(SHELTER).id}").get_data(as_text=True)
    for text in ("Distributes", "Prepared meals", "Refrigerated", "Within 5 km", "Old Town", "12.5 kg received"):
        assert text in page


def test_the_network_csv_has_one_row_per_partner_and_a_header_when_empty(client, login_as, session, org, user, now):
    login_as("backbone")
    response = client.get("/directory/directory.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {r["organization"] for r in rows} >= {GROCER, SHELTER}
    assert all(r["stale"] == "yes" for r in rows)
    assert directory.directory_csv([], places.exact_place).strip() == ",".join(directory.csv_columns())


def test_the_network_page_draws_every_located_partner_on_the_map(client, login_as):
    login_as("backbone")
    page = client.get("/directory/").get_data(as_text=True)
    assert 'id="network-map"' in page and "/vendor/leaflet/leaflet.js" in page
    assert '"name": "Old Town Night Shelter"' in page or '"name":"Old Town Night Shelter"' in page


def test_the_request_to_confirm_is_emailed_through_smtp_by_the_periodic_job(app, session, org, user, now, monkeypatch):
    from coalition import jobs
    from tests.smtp_server import SMTPTestServer

    shelter_id = org(SHELTER).id
    directory.request_confirmation(session, user("coordinator@example.org"), org(SHELTER), now)
    session.commit()
    with SMTPTestServer() as server:
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
        with app.app_context():   # as the job runs: e-mail links are built with the app's routes
            result = jobs.run_periodic(session, now, app.config)
    assert not result.errors
    mails = [m for to, m in server.messages if to == ["shelter@example.org"]]
    assert [m["Subject"] for m in mails] == ["Please confirm Old Town Night Shelter's details"]
    assert f"{app.config['BASE_URL']}/directory/{shelter_id}" in mails[0].get_payload()


def test_the_network_is_filtered_by_role_in_the_plan(client, login_as, session, org, user, now):
    directory.update_profile(session, user("shelter@example.org"), org(SHELTER), directory.ProfileInput(
        ["distributes", "transports"], [], []), now)
    session.commit()
    assert [e.organization.name for e in directory.list_directory(session, now, 90, role="transports")] == [SHELTER]
    assert directory.list_directory(session, now, 90, role="juggles") == []
    login_as("coordinator")
    rows = list(csv.DictReader(io.StringIO(client.get("/directory/directory.csv?role=transports").get_data(as_text=True))))
    assert [r["organization"] for r in rows] == [SHELTER] and rows[0]["roles"] == "distributes transports"
    page = client.get("/directory/?role=transports").get_data(as_text=True)
    assert "1 partner shown" in page
