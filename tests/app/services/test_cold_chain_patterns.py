"""Cold-chain patterns for the backbone, on a hand-checked fixture.

The grocer's four refrigerated lines: two warm at pickup (9 °C and 7 °C, refused),
two picked up at 3 °C and driven by driver@: one arrives at 6 °C after 60 minutes
(warm, accepted within the grace margin), one at 8 °C after 4 h 10 min, past its
"safe until" (the fixture's pickup + 2 h) and discarded.
"""
from __future__ import annotations

import datetime as dt
import uuid

import pytest

from coalition.errors import PermissionDenied
from coalition.services import cold_chain_patterns, driving
from tests.fixtures import driving as f


def aid() -> str:
    return uuid.uuid4().hex


def cold_route(session, now, kg):
    return f.make_route(session, now, claims=[f.make_claim(session, now, kg=kg, storage="refrigerated",
                                                           category="dairy", description=f"Milk {kg}")])


def test_repeated_warm_readings_and_time_out_of_refrigeration(session, now, user):
    driver = user("driver@example.org")
    for kg, reading in ((3, "9"), (4, "7")):
        route = cold_route(session, now, kg)
        driving.pick_up(session, driver, route.stops[0].id, aid(), now,
                        {"kg": kg, "temperature": reading, "refuse_reason": "too_warm"}, now)
    for kg, minutes, reading, decision in ((5, 60, "6", "accept"), (6, 250, "8", "discard")):
        route = cold_route(session, now, kg)
        pickup, delivery = route.stops
        driving.pick_up(session, driver, pickup.id, aid(), now, {"kg": kg, "temperature": "3"}, now)
        at = now + dt.timedelta(minutes=minutes)
        driving.deliver(session, driver, delivery.id, aid(), at,
                        {"kg": kg, "receiver_name": "Sam", "temperature": reading, "cold_decision": decision}, at)
    patterns = cold_chain_patterns.cold_chain_patterns(session, user("coordinator@example.org"),
                                                       now + dt.timedelta(hours=5))
    [donor] = patterns.donors
    assert (donor.name, donor.warm, donor.readings, donor.share_warm_pct) == ("Hawthorne Green Grocer", 2, 4, 50.0)
    [carrier] = patterns.drivers
    assert (carrier.name, carrier.warm, carrier.readings) == (driver.display_name, 2, 2)
    assert dict(patterns.buckets) == {"under 30 min": 0, "30-60 min": 0, "60-120 min": 1, "120-240 min": 0,
                                      "240 min or more": 1}
    assert (patterns.timed, patterns.past_safe_until) == (2, 1)


def test_only_the_backbone_sees_the_patterns(session, now, user):
    with pytest.raises(PermissionDenied):
        cold_chain_patterns.cold_chain_patterns(session, user("grocer@example.org"), now)


def test_lines_arriving_warm_are_grouped_by_the_vehicle_drivers_share(session, now, user):
    """Two volunteers attest the same van (the plate written two ways); each delivers one line at 8 °C: no
    driver has a pattern, the van has. A third line, at 8 °C by a driver with no plate, counts for no vehicle."""
    from sqlalchemy import select

    from coalition.models.readiness import DriverProfile

    def attest(email, vehicle, plate):
        person = user(email)
        profile = session.scalar(select(DriverProfile).where(DriverProfile.user_id == person.id))
        if profile is None:
            profile = DriverProfile(user_id=person.id)
            session.add(profile)
        profile.vehicle, profile.vehicle_plate = vehicle, plate

    attest("driver@example.org", "Ford Transit, white", "PDX-4411")
    attest("driver1@example.org", "Ford Transit, white", "pdx 4411")
    attest("driver2@example.org", "", "")
    for kg, email in ((5, "driver@example.org"), (6, "driver1@example.org"), (7, "driver2@example.org")):
        route = f.make_route(session, now, driver=email, claims=[
            f.make_claim(session, now, kg=kg, storage="refrigerated", category="dairy", description=f"Milk {kg}")])
        pickup, delivery = route.stops
        driving.pick_up(session, user(email), pickup.id, aid(), now, {"kg": kg, "temperature": "3"}, now)
        at = now + dt.timedelta(minutes=30)
        driving.deliver(session, user(email), delivery.id, aid(), at,
                        {"kg": kg, "receiver_name": "Sam", "temperature": "8", "cold_decision": "discard"}, at)
    patterns = cold_chain_patterns.cold_chain_patterns(session, user("coordinator@example.org"), now + dt.timedelta(hours=1))
    assert patterns.drivers == []
    assert [(t.name, t.warm, t.readings, t.share_warm_pct) for t in patterns.vehicles] == [
        ("Ford Transit, white (PDX-4411)", 2, 2, 100.0)]
