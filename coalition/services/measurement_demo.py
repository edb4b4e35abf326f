"""Demo measurement data for the demo coalition: neighborhoods, a goal, survey values, deliveries, partner reports.

Every figure here is invented (labelled DEMO DATA) so the dashboards have
something to show before dispatch records real deliveries. Loading is
idempotent: each part is added only when it is missing.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import random

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coalition.models import DeliveryRecord, Organization, OrganizationKind, PartnerReport, User
from coalition.services import deliveries, geo, indicators, partner_reports

DEMO_SURVEY = "DEMO DATA: invented city survey figure"
CATEGORIES = {
    OrganizationKind.GROCERY: [("bakery", "ambient"), ("produce", "refrigerated"), ("dairy", "refrigerated"),
                               ("prepared", "refrigerated"), ("dry_goods", "ambient"), ("meat_fish", "frozen")],
    OrganizationKind.FARM: [("produce", "ambient"), ("produce", "refrigerated")],
}


@dataclasses.dataclass
class DemoMeasurement:
    neighborhoods: int
    deliveries: int
    reports: int


def load_demo_measurement(session: Session, now: dt.datetime, deliveries_per_month: int = 40) -> DemoMeasurement:
    neighborhoods = 0
    if not geo.list_neighborhoods(session):  # never overwrite boundaries the backbone imported or edited
        neighborhoods = geo.load_demo_neighborhoods(session, now).created
    actor = session.scalar(select(User).where(User.email == "backbone@example.org"))
    if indicators.get_goal(session) is None:
        indicators.set_goal(session, actor, now, 13.6, now.year - 1)
    if not indicators.city_series(session):
        indicators.record_value(session, actor, now, "food_insecurity_rate", now.year - 1, 13.6, DEMO_SURVEY)
        indicators.record_value(session, actor, now, "food_insecurity_rate", now.year, 12.9, DEMO_SURVEY)

    organizations = list(session.scalars(select(Organization).where(Organization.active.is_(True)).order_by(Organization.id)))
    donors = [o for o in organizations if o.kind.is_donor]
    recipients = [o for o in organizations if o.kind.is_recipient and o.has_location]
    created = reports = 0
    rng = random.Random(6)
    # A second generator for the route figures, so the weights and dates above stay what they were.
    route_rng = random.Random(7)
    if donors and recipients and not session.scalar(select(func.count()).select_from(DeliveryRecord)):
        for months_back in range(18, 0, -1):
            for _ in range(deliveries_per_month):
                delivered = now - dt.timedelta(days=30 * months_back - rng.uniform(0, 30), minutes=rng.uniform(0, 600))
                donor = rng.choice(donors)
                category, storage = rng.choice(CATEGORIES[donor.kind])
                kg = round(rng.uniform(5, 150 if donor.kind is OrganizationKind.FARM else 60), 1)
                posted = delivered - dt.timedelta(hours=rng.uniform(3, 20))
                deliveries.record_delivery(
                    session, delivered_at=delivered, kg=kg, picked_up_kg=round(kg * rng.uniform(1, 1.05), 1),
                    category=category, storage=storage, donor=donor, recipient=rng.choice(recipients),
                    posted_at=posted, picked_up_at=posted + dt.timedelta(hours=rng.uniform(0.5, 2.5)),
                    volunteer_minutes=route_rng.randint(30, 90), distance_m=route_rng.randint(3_000, 25_000))
                created += 1
    if not session.scalar(select(func.count()).select_from(PartnerReport)):
        month = now.replace(day=1)
        for _ in range(12):
            month = (month - dt.timedelta(days=1)).replace(day=1)
            for recipient in recipients:
                visits = rng.randint(2500, 6000) if recipient.kind is OrganizationKind.FOOD_BANK else rng.randint(600, 1500)
                partner_reports.submit_report(session, actor, recipient, partner_reports.ReportInput(
                    month.strftime("%Y-%m"), visits, int(visits * 0.45), int(visits * 0.2),
                    None if recipient.kind is OrganizationKind.FOOD_BANK else visits * 2), now)
                reports += 1
    session.flush()
    return DemoMeasurement(neighborhoods, created, reports)
