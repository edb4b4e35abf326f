"""Test factories for dispatch's driver side: a published plan with routes and stops, built directly.

They do not go through the planning service: a route here is whatever the test
says, so driver tests stay independent of routing.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select

from coalition.models import (
    Claim,
    DriverShift,
    Organization,
    PlanStatus,
    Route,
    RoutePlan,
    Stop,
    StopKind,
    User,
)
from coalition.services import claims as claim_service
from coalition.services import donations

BACKBONE = "Feeding Our City Backbone"
ZONE = ZoneInfo("America/Los_Angeles")


def local_today(now: dt.datetime) -> dt.date:
    return now.astimezone(ZONE).date()


def org(session, name: str) -> Organization:
    return session.scalar(select(Organization).where(Organization.name == name))


def user(session, email: str) -> User:
    return session.scalar(select(User).where(User.email == email))


def make_claim(session, now, kg=10.0, storage="ambient", category="bakery", description="bread and rolls",
               recipient="Columbia Regional Food Bank", claimant="foodbank@example.org",
               donor="Hawthorne Green Grocer", poster="grocer@example.org") -> Claim:
    """A donation of ``kg`` at the donor, claimed whole by the recipient (pickup in 1-3 h, delivery 4-6 h)."""
    data = donations.DonationInput(
        lines=[donations.LineInput(category, description, storage, now + dt.timedelta(hours=24), kg=kg)],
        pickup_start=now + dt.timedelta(hours=1), pickup_end=now + dt.timedelta(hours=3))
    donation = donations.post_donation(session, user(session, poster), org(session, donor), data, now)
    session.flush()
    return claim_service.claim_line(session, user(session, claimant), donation.lines[0].id, org(session, recipient),
                                    kg, now + dt.timedelta(hours=4), now + dt.timedelta(hours=6), now)


def make_shift(session, now, driver="driver@example.org", local_date=None, capacity_kg=200) -> DriverShift:
    shift = DriverShift(
        driver=user(session, driver), organization=org(session, BACKBONE),
        local_date=local_date or local_today(now), start_at=now, end_at=now + dt.timedelta(hours=8),
        capacity_g=capacity_kg * 1000)
    session.add(shift)
    session.flush()
    return shift


def make_route(session, now, claims: list[Claim] | None = None, driver="driver@example.org",
               status=PlanStatus.PUBLISHED, local_date=None, shift: DriverShift | None = None) -> Route:
    """A plan (published by default) holding one route: every claim's pickup, then every delivery."""
    claims = claims if claims is not None else [make_claim(session, now)]
    shift = shift or make_shift(session, now, driver=driver, local_date=local_date)
    plan = RoutePlan(local_date=shift.local_date, status=status, published_at=now if status is PlanStatus.PUBLISHED else None)
    route = Route(plan=plan, shift=shift, driver_id=shift.acting_driver_id, start_at=now, end_at=now + dt.timedelta(hours=6),
                  distance_m=12_000, duration_s=3 * 3600)
    session.add_all([plan, route])
    position = 0
    for index, claim in enumerate(claims):
        donor = claim.line.donation.donor
        at = now + dt.timedelta(hours=1, minutes=10 * index)
        route.stops.append(Stop(
            position=position, kind=StopKind.PICKUP, claim=claim, organization=donor,
            latitude=donor.latitude or 45.5, longitude=donor.longitude or -122.6, arrival_at=at, service_start_at=at,
            departure_at=at + dt.timedelta(minutes=5), load_after_g=claim.quantity_g,
            safe_until=at + dt.timedelta(hours=2)))
        position += 1
    for index, claim in enumerate(claims):
        recipient = claim.recipient
        at = now + dt.timedelta(hours=4, minutes=15 * index)
        route.stops.append(Stop(
            position=position, kind=StopKind.DELIVERY, claim=claim, organization=recipient,
            latitude=recipient.latitude or 45.52, longitude=recipient.longitude or -122.66, arrival_at=at,
            service_start_at=at, departure_at=at + dt.timedelta(minutes=5), load_after_g=0))
        position += 1
    session.flush()
    return route
