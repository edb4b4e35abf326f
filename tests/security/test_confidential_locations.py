"""A confidential shelter's street address and exact point reach only its own people, the backbone's staff
and the driver on the way there (from the route's day until the stop is done), on every surface.

The demo's women's shelter is confidential. Each surface is fetched as each role; where the role may see
the site, the address and coordinates the surface shows must be there, and nowhere else may they appear.
"""
from __future__ import annotations

import datetime as dt
import json
import subprocess

import pytest
from sqlalchemy import select

from coalition.models import Membership, Notification, PlanStatus, Role, StopKind, StopStatus, User
from coalition.permissions import can_see_location
from coalition.services import claims, deliveries, demo, geo, needs, places, rescues
from tests.fixtures.driving import ZONE, local_today, make_claim, make_route, make_shift
from tests.fixtures.web import csrf_token_from, sign_in

SHELTER = "Kenton Women's Shelter"
ADDRESS = "2100 N Denver Ave"
COORDINATES = ("45.583", "-122.686")
ALIAS = demo.CONFIDENTIAL[SHELTER]
MEMBER = "house.manager@kenton.example"

# Who may see the site (the rule), and the e-mail each role signs in with.
ROLES = {
    "partner": "grocer@example.org",
    "driver_without_stop": "driver1@example.org",
    "driver_before_route_day": "driver@example.org",
    "driver_on_route_day": "driver@example.org",
    "driver_after_stop_done": "driver@example.org",
    "member": MEMBER,
    "backbone": "coordinator@example.org",
}
MAY_SEE = {"driver_on_route_day", "member", "backbone"}
DRIVERS = {"driver_without_stop", "driver_before_route_day", "driver_on_route_day", "driver_after_stop_done"}
RECIPIENT_SIDE = {"member", "backbone"}


def _pdf_text(body: bytes, tmp_path) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(body)
    return " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout.split())


# (name, url from the scene, what it shows of an exact place, roles answered 200, how to read the body)
SURFACES = [
    ("partners list and map", lambda s: "/organizations/", {"address", "coordinates"}, set(ROLES), None),
    ("partner page and map", lambda s: f"/organizations/{s['shelter']}", {"address", "coordinates"}, set(ROLES), None),
    ("API organizations", lambda s: "/api/v1/organizations", {"address", "coordinates"}, set(ROLES), None),
    ("API organization", lambda s: f"/api/v1/organizations/{s['shelter']}", {"address", "coordinates"}, set(ROLES), None),
    ("API claim", lambda s: f"/api/v1/claims/{s['claim']}", set(), {"partner", "member", "backbone"}, None),
    ("API need", lambda s: f"/api/v1/needs/{s['need']}", set(), {"partner", "member", "backbone"}, None),
    ("directory page", lambda s: f"/directory/{s['shelter']}", set(), set(ROLES), None),
    ("directory map", lambda s: "/directory/", {"coordinates"}, {"backbone"}, None),
    ("directory CSV", lambda s: "/directory/directory.csv", {"address", "coordinates"}, {"backbone"}, None),
    ("claim page", lambda s: f"/claims/{s['claim']}", set(), {"partner", "member", "backbone"}, None),
    ("needs list", lambda s: "/needs/", set(), {"partner", "member", "backbone"}, None),
    ("need page", lambda s: f"/needs/{s['need']}", set(), {"partner", "member", "backbone"}, None),
    ("supply list", lambda s: "/supply/", set(), RECIPIENT_SIDE, None),
    ("notifications", lambda s: "/notifications/", set(), set(ROLES), None),
    ("driver route and map", lambda s: "/driver/", {"address", "coordinates"}, DRIVERS, None),
    ("dispatch board", lambda s: "/driver/board", set(), {"backbone"}, None),
    ("calendar feed", lambda s: f"/driver/calendar/{s['feeds'][s['role']]}.ics", set(), set(ROLES), None),
    ("plan page and map", lambda s: f"/planning/plans/{s['plan']}", {"coordinates"}, {"backbone"}, None),
    ("compliance CSV", lambda s: f"/reports/compliance/{s['month']}.csv", {"address"}, {"backbone"}, None),
    ("compliance PDF", lambda s: f"/reports/compliance/{s['month']}.pdf", {"address"}, {"backbone"}, _pdf_text),
    ("donation receipt PDF", lambda s: f"/reports/receipts/{s['donor']}.pdf", set(), {"partner", "backbone"}, _pdf_text),
    ("shared progress page and map", lambda s: "/measurement/progress", set(), set(ROLES), None),
    ("neighbourhood brief", lambda s: f"/measurement/neighborhoods/{s['neighborhood']}/brief", set(), set(ROLES), None),
    ("neighbourhood brief PDF", lambda s: f"/measurement/neighborhoods/{s['neighborhood']}/brief.pdf", set(), set(ROLES),
     _pdf_text),
]


def _member(session, org, user) -> User:
    """A house manager of the shelter (the demo has no login there), with the demo password."""
    like = user("shelter@example.org")
    member = User(email=MEMBER, display_name="Kim Housemanager", password_hash=like.password_hash)
    session.add(member)
    session.add(Membership(user=member, organization=org(SHELTER), role=Role.ADMIN))
    session.flush()
    return member


def _scene(session, org, user, now, role: str) -> dict:
    """The shelter with a claim on a published route, a need, a delivery this month and each role's feed."""
    geo.load_demo_neighborhoods(session, now)
    member = _member(session, org, user)
    shelter = org(SHELTER)
    claim = make_claim(session, now, recipient=SHELTER, claimant="coordinator@example.org")
    route_day = local_today(now) + (dt.timedelta(days=1) if role == "driver_before_route_day" else dt.timedelta())
    route = make_route(session, now, claims=[claim], local_date=route_day)
    # The figures a solved plan carries, so the coordinators' plan page renders as it would.
    route.plan.figures = {"requests": 1, "served": 1, "dropped": [], "vehicles_used": 1, "shifts": 1, "kg_requested": 10.0,
                          "kg_moved": 10.0, "km_driven": 12.0, "volunteer_hours": 3.0, "share_served": 1.0, "valid": True}
    if role == "driver_after_stop_done":
        for stop in route.stops:
            stop.status, stop.completed_at = StopStatus.DONE, now
    claims.schedule_claim(session, user("coordinator@example.org"), claim, now + dt.timedelta(hours=4),
                          now + dt.timedelta(hours=6), now)
    need = needs.post_need(session, member, shelter, needs.NeedInput(
        category="produce", storage="ambient", kg=30, needed_by=now + dt.timedelta(days=2)), now)
    deliveries.record_delivery(session, delivered_at=now, kg=12, category="bakery", storage="ambient",
                               donor=org("Hawthorne Green Grocer"), recipient=shelter, claim=claim)
    session.commit()
    return {"shelter": shelter.id, "claim": claim.id, "need": need.id, "plan": route.plan_id, "role": role,
            "neighborhood": geo.neighborhood_id_at(session, shelter.latitude, shelter.longitude),
            "donor": org("Hawthorne Green Grocer").id, "month": now.astimezone(ZONE).strftime("%Y-%m"),
            "feeds": {r: rescues.calendar_token(user(e)) for r, e in ROLES.items()}}


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("surface", SURFACES, ids=[s[0] for s in SURFACES])
def test_a_confidential_site_is_located_only_by_those_the_rule_allows(app, client, session, org, user, now, tmp_path,
                                                                     role, surface):
    """Address and coordinates appear on a surface exactly when the role may see the site and the surface is theirs."""
    name, url_of, shows, audience, read = surface
    scene = _scene(session, org, user, now, role)
    assert sign_in(client, ROLES[role]).status_code == 302
    response = client.get(url_of(scene))
    if role not in audience:
        assert response.status_code in (403, 404), f"{name} answered {response.status_code} to {role}"
    else:
        assert response.status_code == 200, f"{name} answered {response.status_code} to {role}"
    body = read(response.data, tmp_path) if read and response.status_code == 200 else response.get_data(as_text=True)
    visible = role in MAY_SEE and role in audience
    if visible and "address" in shows:
        assert ADDRESS in body, f"{role} should see the address on the {name}"
    if visible and "coordinates" in shows:
        assert all(c in body for c in COORDINATES), f"{role} should see the point on the {name}"
    if not visible:
        assert ADDRESS not in body, f"the {name} shows the address to {role}"
        assert not any(c in body for c in COORDINATES), f"the {name} shows coordinates to {role}"


def test_outsiders_see_the_alias_and_the_neighbourhood(app, client, session, org, user, now):
    scene = _scene(session, org, user, now, "partner")
    area = places.neighborhood_name(session, org(SHELTER))
    sign_in(client, ROLES["partner"])
    page = client.get(f"/organizations/{scene['shelter']}").get_data(as_text=True)
    assert area and ALIAS in page and f"{area.replace('&', '&amp;')} neighbourhood" in page
    assert SHELTER.replace("'", "&#39;") not in page
    answer = client.get(f"/api/v1/organizations/{scene['shelter']}").get_json()
    assert answer == {**answer, "name": ALIAS, "address": "", "latitude": None, "longitude": None,
                      "location_exact": False, "neighborhood": area}


def test_notifications_and_their_emails_name_the_site_by_its_alias_for_outsiders(session, org, user, now):
    """Notification rows are what the e-mails send: outside the shelter none carries its name, address or point."""
    _scene(session, org, user, now, "partner")
    shelter_people = {m.user_id for m in org(SHELTER).memberships}
    sent = [n for n in session.scalars(select(Notification)) if n.user_id not in shelter_people]
    about = [n for n in sent if ALIAS in n.title + n.body]
    assert about, "the donor is told of the claim and of the schedule"
    for n in sent:
        text = n.title + n.body
        assert SHELTER not in text and ADDRESS not in text and not any(c in text for c in COORDINATES), n.title


def test_the_neighbourhood_figures_do_not_pin_a_confidential_site(session, org, now):
    """The score uses the exact point; the published nearest site is the alias and its distance whole kilometres."""
    geo.load_demo_neighborhoods(session, now)
    stats = geo.neighborhood_stats(session, None, None, 0.5)
    near = [s for s in stats if s.nearest_site == ALIAS]
    assert near, "the shelter is the nearest site of some neighbourhood"
    assert all(s.distance_km == round(s.distance_km) for s in near)
    assert not any(s.nearest_site == SHELTER for s in stats)


def test_the_public_neighbourhood_geojson_does_not_pin_a_confidential_site(app, client, session, now):
    """Anyone may download the public dashboard's GeoJSON: no name, address or point of the shelter in it."""
    from coalition.services import indicators

    geo.load_demo_neighborhoods(session, now)
    indicators.get_settings(session).public_dashboard = True
    session.commit()
    response = client.get("/measurement/public/neighborhoods.geojson")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    features = json.loads(body)["features"]
    near = [f["properties"] for f in features if f["properties"]["nearest_site"] == ALIAS]
    assert near and all(p["distance_km"] == round(p["distance_km"]) for p in near)
    assert SHELTER not in body and ADDRESS not in body and not any(c in body for c in COORDINATES)


def test_the_driver_may_locate_the_stop_from_the_route_day_until_it_is_done(session, org, user, now):
    """The rule in time: not the day before, yes while pending or arrived, no once done; only the acting driver."""
    shelter, driver = org(SHELTER), user("driver@example.org")
    claim = make_claim(session, now, recipient=SHELTER, claimant="coordinator@example.org")
    route = make_route(session, now, claims=[claim], local_date=local_today(now) + dt.timedelta(days=1))
    assert not can_see_location(driver, shelter, now, ZONE)
    assert can_see_location(driver, shelter, now + dt.timedelta(days=1), ZONE)
    route.plan.local_date = local_today(now)
    delivery = next(s for s in route.stops if s.kind is StopKind.DELIVERY)
    for status, allowed in ((StopStatus.PENDING, True), (StopStatus.ARRIVED, True), (StopStatus.DONE, False),
                            (StopStatus.PROBLEM, False), (StopStatus.SKIPPED, False)):
        delivery.status = status
        session.flush()
        assert can_see_location(driver, shelter, now, ZONE) is allowed, status
    delivery.status = StopStatus.PENDING
    route.plan.status = PlanStatus.SUPERSEDED
    session.flush()
    assert not can_see_location(driver, shelter, now, ZONE), "a superseded plan gives no access"
    assert not can_see_location(user("driver1@example.org"), shelter, now, ZONE)
    assert can_see_location(user("grocer@example.org"), org("Old Town Night Shelter"), now, ZONE), "ordinary sites are public"


def test_a_covering_driver_takes_over_the_access(session, org, user, now):
    shelter = org(SHELTER)
    shift = make_shift(session, now)
    shift.covered_by = user("driver2@example.org")
    make_route(session, now, claims=[make_claim(session, now, recipient=SHELTER, claimant="coordinator@example.org")],
               shift=shift)
    assert can_see_location(user("driver2@example.org"), shelter, now, ZONE)
    assert not can_see_location(user("driver@example.org"), shelter, now, ZONE)


def test_a_confidential_site_outside_every_neighbourhood_shows_no_area(session, org, now):
    geo.load_demo_neighborhoods(session, now)
    shelter = org(SHELTER)
    shelter.latitude, shelter.longitude = 10.0, 10.0
    place = places.public_place(session, shelter)
    assert (place.neighborhood, place.address, place.latitude, place.area) == ("", "", None, "Location kept confidential")


def test_supply_shows_a_confidential_donors_neighbourhood_not_its_distance(app, client, session, org, now):
    """Distances from a known site would let a recipient triangulate the donor, so none is shown."""
    from tests.fixtures.driving import user as user_of
    from coalition.services import donations

    geo.load_demo_neighborhoods(session, now)
    grocer = org("Alberta Street Market")
    grocer.confidential, grocer.public_alias = True, "A north-east grocer"
    session.add(Membership(user=user_of(session, "grocer@example.org"), organization=grocer, role=Role.ADMIN))
    session.flush()
    donations.post_donation(session, user_of(session, "grocer@example.org"), grocer, donations.DonationInput(
        lines=[donations.LineInput("produce", "kale crates", "ambient", now + dt.timedelta(hours=24), kg=15)],
        pickup_start=now + dt.timedelta(hours=1), pickup_end=now + dt.timedelta(hours=3)), now)
    session.commit()
    area = places.neighborhood_name(session, grocer).replace("&", "&amp;")
    sign_in(client, "foodbank@example.org")
    page = client.get("/supply/").get_data(as_text=True)
    card = page[page.index("kale crates"):][:1500]
    assert area and f"A north-east grocer · {area} neighbourhood" in card
    assert " km" not in card


def _edit_form(client, organization, **changes) -> dict:
    """The organization settings form filled with its current values (and a CSRF token), with ``changes``."""
    data = {"kind": organization.kind.value, "name": organization.name, "address": organization.address,
            "latitude": organization.latitude, "longitude": organization.longitude, "phone": organization.phone,
            "refrigerated_capacity_kg": organization.refrigerated_capacity_kg,
            "frozen_capacity_kg": organization.frozen_capacity_kg}
    if organization.confidential:
        data["confidential"] = "y"
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    return {**data, "csrf_token": token, **changes}


def test_a_shelters_admin_marks_it_confidential_with_an_alias(app, client, session, org):
    shelter = org("Old Town Night Shelter")
    sign_in(client, "shelter@example.org")
    response = client.post(f"/organizations/{shelter.id}/edit",
                           data=_edit_form(client, shelter, confidential="y", public_alias="Downtown partner shelter"))
    assert response.status_code == 302
    shelter = org("Old Town Night Shelter")
    assert shelter.confidential and shelter.public_alias == "Downtown partner shelter"


def test_an_alias_that_is_another_partners_name_is_refused_beside_the_field(app, client, session, org):
    """A public name must not pass the shelter off as another partner; nothing is saved."""
    shelter = org("Old Town Night Shelter")
    sign_in(client, "shelter@example.org")
    response = client.post(f"/organizations/{shelter.id}/edit",
                           data=_edit_form(client, shelter, confidential="y", public_alias="rose family shelter"))
    assert response.status_code == 422
    assert 'id="public_alias-error"' in response.get_data(as_text=True)
    shelter = org("Old Town Night Shelter")
    assert not shelter.confidential and shelter.public_alias == ""


def test_an_alias_waits_until_the_location_is_confidential(session, org):
    shelter = org("Old Town Night Shelter")
    shelter.public_alias = "Downtown partner shelter"
    assert places.public_place(session, shelter).name == "Old Town Night Shelter"
    assert places.public_name(shelter) == "Old Town Night Shelter"


def test_another_partner_cannot_change_a_sites_confidentiality(app, client, session, org):
    shelter = org(SHELTER)
    sign_in(client, "grocer@example.org")
    response = client.post(f"/organizations/{shelter.id}/edit", data=_edit_form(client, shelter, public_alias=""))
    assert response.status_code == 403
    assert org(SHELTER).confidential


def test_the_demo_coalition_has_a_confidential_shelter(session, org):
    shelter = org(SHELTER)
    assert shelter.confidential and shelter.public_alias == ALIAS
    assert not org("Old Town Night Shelter").confidential


def test_the_api_schema_describes_the_public_place(app, client):
    schema = client.get("/api/openapi.json").get_json()["components"]["schemas"]["Organization"]["properties"]
    assert {"location_exact", "neighborhood"} <= set(schema)


def test_the_calendar_feed_names_the_stop_by_its_public_name(app, client, session, org, user, now):
    """Calendar feeds are copied into outside services: even the driver's shows only the alias."""
    _scene(session, org, user, now, "driver_on_route_day")
    body = client.get(f"/driver/calendar/{rescues.calendar_token(user('driver@example.org'))}.ics").get_data(as_text=True)
    assert "first at" in body and SHELTER not in body


def test_the_routing_still_uses_the_exact_point(session, org):
    """Planning reads the organization's own point, not the presenter's."""
    shelter = org(SHELTER)
    assert (shelter.latitude, shelter.longitude) == (45.583, -122.686)
    assert json.dumps(places.exact_place(shelter).latitude) == COORDINATES[0]


def test_a_confidential_site_is_no_depot_for_a_drivers_shift(app, client, session, org, user, now):
    """A shift starts at its depot whatever the day's stops: a confidential site is neither offered nor accepted."""
    from coalition.errors import ValidationError
    from coalition.services import shifts

    driver, shelter = user("driver@example.org"), org(SHELTER)
    tomorrow = local_today(now) + dt.timedelta(days=1)
    data = shifts.ShiftInput(local_date=tomorrow, start_time=dt.time(9), end_time=dt.time(13), capacity_kg=150,
                             start=shifts.Place("depot", organization_id=shelter.id))
    with pytest.raises(ValidationError) as error:
        shifts.post_shift(session, driver, driver, org("Feeding Our City Backbone"), data, now, ZONE)
    assert "start_organization_id" in error.value.fields
    session.commit()
    sign_in(client, "driver@example.org")
    page = client.get("/shifts/").get_data(as_text=True)
    assert "Old Town Night Shelter" in page and SHELTER.replace("'", "&#39;") not in page
