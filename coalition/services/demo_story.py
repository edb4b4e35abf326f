"""The demo's story around today (DEMO DATA): a rescue history, today's published routes, a meeting and
a shared project, so every demo login opens on something real.

- :func:`load_history`: eight weeks of evening surplus at the groceries, claimed by food banks and
  shelters and delivered by the demo drivers, with posting, pickup and delivery times, driver km and
  volunteer minutes. The share of posted surplus rescued and the time from posting to pickup come
  from these donations and their delivery records.
- :func:`load_todays_routes`: an early-evening round at six stores, claimed, two drivers' shifts, planned
  with the planning services (a short deterministic solve) and published.
- :func:`load_meeting_and_project`: a coalition meeting with action items, and a community garden
  project with two partner farms.

Each part is idempotent: it is skipped when its marker (a note, a title, a published plan) exists.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from coalition.models import (
    Claim,
    ClaimStatus,
    Donation,
    DonationKind,
    DonationLine,
    DonationStatus,
    FoodCategory,
    Meeting,
    Organization,
    Project,
    StorageClass,
    User,
    grams,
)
from coalition.models.shift import ColdChain, DriverShift, PlaceKind, ShiftStatus
from coalition.services import claims, communication, deliveries, demo, donations, projects
from coalition.services.planning import edits, queries, run

HISTORY_NOTE = "Demo history: an evening rescue."
HISTORY_DAYS = 56
# Evening surplus lines: (category, description, storage, kg range).
HISTORY_LINES = [
    ("bakery", "Bread and pastries", "ambient", (8, 30)),
    ("produce", "Fruit and vegetables", "ambient", (10, 45)),
    ("dairy", "Milk and yogurt", "refrigerated", (5, 20)),
    ("prepared", "Deli meals", "refrigerated", (4, 15)),
]
# One line in this many is never claimed (posted but not rescued), so the share rescued is below 100 %.
UNCLAIMED_ONE_IN = 7

TODAY_NOTE = "Demo route today."
# Today's early-evening round: (store, shelter, [(category, description, storage, kg)]), picked up 17:45-19:30 and
# delivered by 20:45 to shelters (open until 21:00; the food banks close at 17:00).
TODAY_ROUND = [
    ("Alberta Street Market", "Rose Family Shelter", [("bakery", "Bagels and bread", "ambient", 12)]),
    ("St. Johns Neighborhood Grocery", "Kenton Women's Shelter", [("produce", "Apples and carrots", "ambient", 18)]),
    ("Gateway Supermarket", "Rose Family Shelter", [("dry_goods", "Canned vegetables", "ambient", 25)]),
    ("Hawthorne Green Grocer", "Old Town Night Shelter", [("produce", "Salad greens", "ambient", 10)]),
    ("Sellwood Fresh Foods", "Foster Road Youth House", [("bakery", "Sandwich bread", "ambient", 9)]),
    ("Lents Family Market", "Foster Road Youth House", [("produce", "Potatoes and onions", "ambient", 30)]),
]
TODAY_DRIVERS = ("driver@example.org", "driver1@example.org")
# Each driver offers half the round (a pickup and a delivery are two stops), so both get a route.
MAX_STOPS_TODAY = len(TODAY_ROUND)

MEETING_TITLE = "Monthly coalition meeting"
PROJECT_NAME = "Cully community garden"


@dataclass(frozen=True)
class StorySummary:
    history_deliveries: int = 0
    routes_published: int = 0
    stops_today: int = 0
    meeting_added: bool = False
    project_added: bool = False

    def describe(self) -> str:
        return (f"Demo story: {self.history_deliveries} past rescues delivered, {self.routes_published} routes "
                f"published today ({self.stops_today} stops), meeting {'added' if self.meeting_added else 'kept'}, "
                f"project {'added' if self.project_added else 'kept'}.")


def _local(day: dt.date, hour: int, minute: int, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz).astimezone(dt.timezone.utc)


def _user(session: Session, email: str) -> User:
    return session.scalars(select(User).where(User.email == email)).one()


def load_story(session: Session, now: dt.datetime, tz: dt.tzinfo) -> StorySummary:
    """Every part of the story that is missing; returns what was added."""
    history = load_history(session, now, tz)
    routes, stops = load_todays_routes(session, now, tz)
    meeting, project = load_meeting_and_project(session, now, tz)
    return StorySummary(history, routes, stops, meeting, project)


def load_history(session: Session, now: dt.datetime, tz: dt.tzinfo) -> int:
    """Past evening rescues (see the module's docstring): how many deliveries were recorded."""
    if session.scalar(select(Donation.id).where(Donation.notes == HISTORY_NOTE).limit(1)) is not None:
        return 0
    by_name = {o.name: o for o in session.scalars(select(Organization))}
    stores = [o for o in by_name.values() if o.kind.value == "grocery"]
    recipients = [o for o in by_name.values() if o.kind.is_recipient and o.has_location]
    drivers = [_user(session, email) for email in TODAY_DRIVERS] + list(session.scalars(
        select(User).where(User.email.like("driver_%@example.org")).order_by(User.id)))
    rng = random.Random(HISTORY_DAYS)
    today = now.astimezone(tz).date()
    recorded = 0
    for days_ago in range(HISTORY_DAYS, 0, -1):
        day = today - dt.timedelta(days=days_ago)
        for store in rng.sample(sorted(stores, key=lambda o: o.id), 3):
            recorded += _one_evening(session, rng, day, tz, store, recipients, drivers)
    session.flush()
    return recorded


def _one_evening(session: Session, rng: random.Random, day: dt.date, tz: dt.tzinfo, store: Organization,
                 recipients: list[Organization], drivers: list[User]) -> int:
    """A store's evening donation, built as the marketplace leaves it once the day is over: posted in the
    afternoon, its lines claimed and delivered (or, for some, never claimed and expired)."""
    posted_at = _local(day, 16, rng.randint(0, 59), tz)
    start, end = _local(day, 20, 0, tz), _local(day, 22, 0, tz)
    donation = Donation(donor=store, kind=DonationKind.SURPLUS, status=DonationStatus.EXPIRED, pickup_start=start,
                        pickup_end=end, notes=HISTORY_NOTE, created_at=posted_at)
    session.add(donation)
    delivered = 0
    for position, (category, description, storage, kgs) in enumerate(rng.sample(HISTORY_LINES, 2)):
        kg = rng.randint(*kgs)
        line = DonationLine(donation=donation, position=position, category=FoodCategory(category),
                            description=description, quantity_g=grams(kg), storage=StorageClass(storage),
                            use_by=end + dt.timedelta(hours=36))
        session.add(line)
        if rng.randrange(UNCLAIMED_ONE_IN) == 0:
            continue
        recipient, driver = rng.choice(recipients), rng.choice(drivers)
        claim = Claim(line=line, recipient=recipient, quantity_g=grams(kg), status=ClaimStatus.DELIVERED,
                      delivery_start=end, delivery_end=end + dt.timedelta(hours=12), created_at=posted_at
                      + dt.timedelta(minutes=rng.randint(10, 90)))
        picked_up = start + dt.timedelta(minutes=rng.randint(0, 80))
        minutes = rng.randint(25, 70)
        claim.picked_up_g = claim.delivered_g = grams(kg)
        claim.ended_at = picked_up + dt.timedelta(minutes=minutes)
        session.add(claim)
        session.flush()
        deliveries.record_delivery(
            session, delivered_at=picked_up + dt.timedelta(minutes=minutes), kg=kg, category=category,
            storage=storage, donor=store, recipient=recipient, claim=claim, posted_at=posted_at,
            picked_up_at=picked_up, driver=driver, volunteer_minutes=minutes + 15,
            distance_m=rng.randint(3_000, 18_000))
        delivered += 1
    return delivered


def load_todays_routes(session: Session, now: dt.datetime, tz: dt.tzinfo) -> tuple[int, int]:
    """Today's early-evening round (TODAY_ROUND) with two drivers' shifts, planned and published.

    Posted and claimed at 07:00 local, so the story reads the same whenever the demo is loaded. The plan
    covers only the round's pickups (a window), so the evening's surplus waits for its own plan.
    Returns (routes published, their stops); (0, 0) when today already has a published plan.
    """
    today = now.astimezone(tz).date()
    if queries.published_plan(session, today) is not None:
        return 0, 0
    coordinator = _user(session, "coordinator@example.org")
    by_name = {o.name: o for o in session.scalars(select(Organization))}
    morning = _local(today, 7, 0, tz)
    start, end = _local(today, 17, 45, tz), _local(today, 19, 30, tz)
    # When a load on an earlier day made today its busy day, that day's rounds (pickups until 15:30, shifts
    # until 17:30) stay for the coordinators: the plan takes only pickups overlapping 17:31-19:59 (tonight's
    # surplus starts at 20:00), and only this round's shifts are on duty then.
    window = (_local(today, 17, 31, tz), _local(today, 19, 59, tz))
    if session.scalar(select(DriverShift.id).where(DriverShift.local_date == today,
                                                   DriverShift.notes == TODAY_NOTE).limit(1)) is None:
        for store_name, recipient_name, rows in TODAY_ROUND:
            store = by_name[store_name]
            donation = donations.post_donation(session, demo.acting_person(session, store), store, donations.DonationInput(
                lines=[donations.LineInput(category, description, storage, end + dt.timedelta(hours=30), kg=kg)
                       for category, description, storage, kg in rows],
                pickup_start=start, pickup_end=end, notes=f"Early-evening round. {TODAY_NOTE}"), morning,
                priority_minutes=0, notify_radius_km=0)
            for line in donation.lines:
                claims.claim_line(session, coordinator, line.id, by_name[recipient_name], None,
                                  start + dt.timedelta(minutes=15), _local(today, 20, 45, tz), morning)
        depot = by_name["Columbia Regional Food Bank"]
        for email in TODAY_DRIVERS:
            session.add(DriverShift(
                driver=_user(session, email), organization=by_name["Feeding Our City Backbone"], local_date=today,
                start_at=_local(today, 17, 30, tz), end_at=_local(today, 21, 0, tz), status=ShiftStatus.AVAILABLE,
                notes=TODAY_NOTE, start_kind=PlaceKind.DEPOT, start_organization=depot, end_kind=PlaceKind.ANYWHERE,
                capacity_g=grams(60), cold_chain=ColdChain.INSULATED, max_stops=MAX_STOPS_TODAY))
        session.flush()
    plan = run.start_plan(session, coordinator, today, tz, morning, window=window, time_limit_s=1.0,
                          deterministic=True, zones=1)
    plan = run.run_plan(session, plan.id, tz, morning)
    edits.publish_plan(session, coordinator, plan, morning, tz)
    routes = [route for route in plan.routes if route.stops]
    return len(routes), sum(len(route.stops) for route in routes)


def load_meeting_and_project(session: Session, now: dt.datetime, tz: dt.tzinfo) -> tuple[bool, bool]:
    """The monthly meeting (last week, with minutes and three action items) and the community garden
    project with two farms and a food bank; each added when its title is missing."""
    backbone = _user(session, "backbone@example.org")
    by_name = {o.name: o for o in session.scalars(select(Organization))}
    today = now.astimezone(tz).date()
    meeting_added = project_added = False
    if session.scalar(select(Meeting.id).where(Meeting.title == MEETING_TITLE).limit(1)) is None:
        held = _local(today - dt.timedelta(days=6), 10, 0, tz)
        meeting = communication.create_meeting(session, backbone, MEETING_TITLE, held,
                                               "1. Last month's figures\n2. Evening pickups\n3. Summer garden", now)
        communication.record_minutes(
            session, backbone, meeting, meeting.agenda,
            "Evening surplus grew; two stores asked for earlier pickups.",
            "Trial a second evening round on Fridays. The city drafts the garden's water permit.")
        for organization, description, days in (
                ("City Office of Community Food Security", "Draft the garden's water permit", 10),
                ("Hawthorne Green Grocer", "Try a 19:00 pickup on Fridays", 7),
                ("Old Town Night Shelter", "Report last month's people served", 3)):
            communication.assign_action_item(session, backbone, meeting, by_name[organization].id, description,
                                             today + dt.timedelta(days=days), now)
        meeting_added = True
    if session.scalar(select(Project.id).where(Project.name == PROJECT_NAME).limit(1)) is None:
        partners = [by_name[name] for name in ("Sauvie Island Growers", "Gresham Berry & Greens",
                                               "Columbia Regional Food Bank")]
        project = projects.create_project(
            session, backbone, PROJECT_NAME,
            "A community garden in Cully: the farms bring seedlings and advice, the food bank hands out the harvest.",
            [o.id for o in partners], now)
        goal = projects.set_goal(session, backbone, project, "kg_grown", 2000)
        projects.record_progress(session, backbone, project, goal.id, partners[0].id, 240, "Spring greens", now)
        projects.add_task(session, backbone, project, "Deliver 200 seedlings", partners[0].id,
                          today + dt.timedelta(days=14), now)
        projects.add_task(session, backbone, project, "Build two raised beds", partners[1].id,
                          today + dt.timedelta(days=21), now)
        projects.post_update(session, backbone, project, None, "The first beds are planted.", now)
        project_added = True
    return meeting_added, project_added
