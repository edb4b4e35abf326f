"""The demo coalition "Feeding Our City": partners spread over Portland, Oregon.

Every name here is invented demo data placed at plausible addresses; it
is not a list of real organizations. Loading is idempotent (matched by
organization name and user e-mail), so ``flask demo load`` can run on every
start.

:func:`load_day` adds a realistic day of the marketplace on top, relative to
"now" in the coalition's time zone: surplus at most groceries for pickup
tonight, farm produce offers (one weekly), needs at every food bank and
shelter, priority partners for two stores and a few claims. It only runs
when there are no open donations, so it never piles a second day on the first.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from coalition.extensions import Base
from coalition.models import (
    WEEKDAYS,
    Donation,
    DonationKind,
    DonationStatus,
    FoodCategory,
    Grant,
    Membership,
    Need,
    Organization,
    OrganizationKind,
    Role,
    StorageClass,
    User,
    grams,
)
from coalition.services import claims, donations, funding, passwords, readiness, recurring
from coalition.services.matching import default_delivery_window

DEMO_PASSWORD = "feedingourcity"

_GROCERY_HOURS = {day: [["07:00", "22:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
_OFFICE_HOURS = {day: [["08:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
_FARM_HOURS = {day: [["06:00", "14:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat")}
_SHELTER_HOURS = {day: [["09:00", "21:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}

K = OrganizationKind
# (kind, name, address, latitude, longitude, phone, hours, refrigerated kg, frozen kg)
ORGANIZATIONS = [
    (K.BACKBONE, "Feeding Our City Backbone", "421 SW Oak St, Portland, OR 97204", 45.5215, -122.6747, "503-555-0100", _OFFICE_HOURS, 0, 0),
    (K.GOVERNMENT, "City Office of Community Food Security", "1221 SW 4th Ave, Portland, OR 97204", 45.5147, -122.6795, "503-555-0101", _OFFICE_HOURS, 0, 0),
    (K.GROCERY, "Hawthorne Green Grocer", "3016 SE Hawthorne Blvd, Portland, OR 97214", 45.5122, -122.6348, "503-555-0110", _GROCERY_HOURS, 0, 0),
    (K.GROCERY, "Alberta Street Market", "1500 NE Alberta St, Portland, OR 97211", 45.5590, -122.6502, "503-555-0111", _GROCERY_HOURS, 0, 0),
    (K.GROCERY, "Sellwood Fresh Foods", "7000 SE 13th Ave, Portland, OR 97202", 45.4733, -122.6530, "503-555-0112", _GROCERY_HOURS, 0, 0),
    (K.GROCERY, "St. Johns Neighborhood Grocery", "8700 N Lombard St, Portland, OR 97203", 45.5900, -122.7530, "503-555-0113", _GROCERY_HOURS, 0, 0),
    (K.GROCERY, "Gateway Supermarket", "10200 NE Halsey St, Portland, OR 97220", 45.5337, -122.5604, "503-555-0114", _GROCERY_HOURS, 0, 0),
    (K.GROCERY, "Multnomah Village Co-op", "7800 SW Capitol Hwy, Portland, OR 97219", 45.4680, -122.7130, "503-555-0115", _GROCERY_HOURS, 0, 0),
    (K.GROCERY, "Lents Family Market", "9100 SE Foster Rd, Portland, OR 97266", 45.4840, -122.5700, "503-555-0116", _GROCERY_HOURS, 0, 0),
    (K.FARM, "Sauvie Island Growers", "13901 NW Howell Park Rd, Portland, OR 97231", 45.6470, -122.8180, "503-555-0120", _FARM_HOURS, 500, 0),
    (K.FARM, "Gresham Berry & Greens", "3500 SE Hogan Rd, Gresham, OR 97080", 45.5001, -122.4302, "503-555-0121", _FARM_HOURS, 300, 0),
    (K.FARM, "Tualatin Valley Farm", "5200 SW River Rd, Hillsboro, OR 97123", 45.5200, -122.9900, "503-555-0122", _FARM_HOURS, 400, 100),
    (K.FOOD_BANK, "Columbia Regional Food Bank", "6800 NE 59th Pl, Portland, OR 97218", 45.5700, -122.6040, "503-555-0130", _OFFICE_HOURS, 4000, 2500),
    (K.FOOD_BANK, "Eastside Community Food Bank", "12600 SE Division St, Portland, OR 97236", 45.5045, -122.5340, "503-555-0131", _OFFICE_HOURS, 1200, 600),
    (K.FOOD_BANK, "Westside Food Pantry Network", "4800 SW Beaverton-Hillsdale Hwy, Portland, OR 97221", 45.4890, -122.7300, "503-555-0132", _OFFICE_HOURS, 800, 400),
    (K.SHELTER, "Old Town Night Shelter", "235 NW 6th Ave, Portland, OR 97209", 45.5245, -122.6763, "503-555-0140", _SHELTER_HOURS, 150, 60),
    (K.SHELTER, "Rose Family Shelter", "2400 NE Martin Luther King Jr Blvd, Portland, OR 97212", 45.5400, -122.6615, "503-555-0141", _SHELTER_HOURS, 120, 40),
    (K.SHELTER, "Foster Road Youth House", "6600 SE Foster Rd, Portland, OR 97206", 45.4920, -122.5970, "503-555-0142", _SHELTER_HOURS, 80, 20),
    (K.SHELTER, "Kenton Women's Shelter", "2100 N Denver Ave, Portland, OR 97217", 45.5830, -122.6860, "503-555-0143", _SHELTER_HOURS, 100, 30),
]

# A women's shelter keeps its site confidential: other partners see this public name and its neighbourhood.
CONFIDENTIAL = {"Kenton Women's Shelter": "North Portland partner shelter"}

# The demo logins promised in README, one per role. (e-mail, display name, organization, role)
DEMO_LOGINS = [
    ("backbone@example.org", "Bea Backbone", "Feeding Our City Backbone", Role.ADMIN, "coalition administrator"),
    ("coordinator@example.org", "Cody Coordinator", "Feeding Our City Backbone", Role.COORDINATOR, "backbone coordinator"),
    ("grocer@example.org", "Greta Grocer", "Hawthorne Green Grocer", Role.ADMIN, "grocery store admin"),
    ("grocer.staff@example.org", "Sam Stocker", "Hawthorne Green Grocer", Role.STAFF, "grocery store staff"),
    ("farmer@example.org", "Frank Farmer", "Sauvie Island Growers", Role.ADMIN, "farm admin"),
    ("foodbank@example.org", "Fiona Foodbank", "Columbia Regional Food Bank", Role.ADMIN, "food bank admin"),
    ("shelter@example.org", "Shay Shelter", "Old Town Night Shelter", Role.ADMIN, "shelter admin"),
    ("city@example.org", "Cyril City", "City Office of Community Food Security", Role.ADMIN, "city agency admin"),
    ("driver@example.org", "Dana Driver", "Feeding Our City Backbone", Role.DRIVER, "volunteer driver"),
]

VOLUNTEER_DRIVERS = [
    "Ari Alvarez", "Bo Nguyen", "Cam Okafor", "Dev Patel", "Eli Johansson", "Fay Tanaka",
    "Gus Moreau", "Hana Kim", "Ivo Rossi", "Jo Mensah", "Kai Lindqvist",
]


@dataclass(frozen=True)
class DemoSummary:
    organizations_created: int
    users_created: int


def is_empty(session: Session) -> bool:
    return session.scalar(select(Organization.id).limit(1)) is None


def load_demo(session: Session) -> DemoSummary:
    """Create whatever part of the demo coalition is missing; returns what was added."""
    by_name = {o.name: o for o in session.scalars(select(Organization))}
    created_orgs = 0
    for kind, name, address, lat, lon, phone, hours, fridge, freezer in ORGANIZATIONS:
        if name in by_name:
            continue
        organization = Organization(
            kind=kind, name=name, address=address, latitude=lat, longitude=lon, phone=phone,
            hours=hours, refrigerated_capacity_kg=fridge, frozen_capacity_kg=freezer,
            confidential=name in CONFIDENTIAL, public_alias=CONFIDENTIAL.get(name, ""),
        )
        session.add(organization)
        by_name[name] = organization
        created_orgs += 1

    people = [(email, name, org, role) for email, name, org, role, _ in DEMO_LOGINS]
    for index, name in enumerate(VOLUNTEER_DRIVERS, start=1):
        people.append((f"driver{index}@example.org", name, "Feeding Our City Backbone", Role.DRIVER))

    existing = {u.email: u for u in session.scalars(select(User))}
    # Every demo account shares one password; hash it once.
    password_hash = None
    created_users = 0
    for email, display_name, org_name, role in people:
        user = existing.get(email)
        if user is None:
            password_hash = password_hash or passwords.hash_password(DEMO_PASSWORD)
            user = User(email=email, display_name=display_name, password_hash=password_hash)
            session.add(user)
            existing[email] = user
            created_users += 1
        organization = by_name[org_name]
        if not any(m.organization is organization and m.role is role for m in user.memberships):
            session.add(Membership(user=user, organization=organization, role=role))
    session.flush()
    readiness.load_demo_profiles(session, [existing[email] for email, _n, _o, role in people if role is Role.DRIVER],
                                 dt.datetime.now(dt.timezone.utc).date())
    return DemoSummary(created_orgs, created_users)


# Two demo grants (invented): the city agency's fuel reimbursement and an outside foundation's cold-chain grant,
# each as (title, funder partner or None, outside funder, amount, purpose, supports, activity, spending as (days
# ago, amount, purpose, note)). Periods and spending dates are relative to today, so a funder report of the last
# twelve months shows both.
DEMO_GRANTS = (
    ("Volunteer fuel reimbursement", "City Office of Community Food Security", "", "24000.00", "fuel", "kg_rescued",
     "Driver mileage on rescue routes",
     ((90, "1840.25", "fuel", "Mileage of volunteer drivers, one month"),
      (60, "2105.60", "fuel", "Mileage of volunteer drivers, one month"),
      (30, "1977.15", "fuel", "Mileage of volunteer drivers, one month"))),
    ("Walk-in coolers for pantries", None, "Willamette Community Foundation (demo)", "40000.00", "cold_chain",
     "kg_distributed", "Cold storage at food banks and shelters",
     ((75, "18500.00", "cold_chain", "Walk-in cooler, Eastside Community Food Bank"),
      (20, "2400.00", "staff_time", "Installation and food-safety training"))),
)


def load_demo_funding(session: Session, now: dt.datetime) -> int:
    """Add the demo grants and their spending when missing (matched by title); returns how many were added."""
    backbone = session.scalar(select(User).where(User.email == "backbone@example.org"))
    existing = set(session.scalars(select(Grant.title)))
    today = now.date()
    added = 0
    for title, partner, outside, amount, purpose, supports, activity, spending in DEMO_GRANTS:
        if title in existing:
            continue
        funder = session.scalar(select(Organization).where(Organization.name == partner)) if partner else None
        grant = funding.create_grant(session, backbone, funding.GrantInput(
            title=title, funder_organization_id=funder.id if funder else None, funder_name=outside, amount=amount,
            currency="USD", period_start=today - dt.timedelta(days=120), period_end=today + dt.timedelta(days=245),
            purpose=purpose, status="received", received_on=today - dt.timedelta(days=110), supports=supports,
            activity=activity), now)
        for days_ago, spent, spent_for, note in spending:
            funding.record_spending(session, backbone, grant, today - dt.timedelta(days=days_ago), spent, "USD",
                                    spent_for, note, now)
        added += 1
    return added


def clear_all_data(session: Session) -> None:
    """Delete every row of every table, children first. For ``flask demo reset`` only."""
    for table in reversed(Base.metadata.sorted_tables):
        session.execute(delete(table))
    session.flush()


def reset_demo(session: Session) -> DemoSummary:
    """Delete everything and load the demo coalition (its day is added by :func:`load_day`)."""
    clear_all_data(session)
    return load_demo(session)


# --- a realistic day of the marketplace -------------------------------------

DEMO_NOTE = "Demo data: invented for the demo coalition."

# Tonight's surplus: store -> lines of (category, description, kg, storage, hours the food keeps after pickup starts).
TONIGHTS_SURPLUS = {
    "Hawthorne Green Grocer": [
        ("bakery", "Sourdough loaves and baguettes", 18, "ambient", 18),
        ("produce", "Salad greens and fresh herbs", 12, "refrigerated", 40),
        ("dairy", "Yogurt cups near their date", 9, "refrigerated", 36),
    ],
    "Alberta Street Market": [
        ("prepared", "Deli sandwiches and wraps", 14, "refrigerated", 14),
        ("bakery", "Bagels and muffins", 22, "ambient", 20),
    ],
    "Sellwood Fresh Foods": [
        ("produce", "Bananas, apples and citrus", 45, "ambient", 60),
        ("dairy", "Milk gallons and cheese", 30, "refrigerated", 48),
    ],
    "St. Johns Neighborhood Grocery": [
        ("bakery", "Sandwich bread and buns", 26, "ambient", 30),
        ("meat_fish", "Chicken thighs, frozen at close", 16, "frozen", 24 * 30),
    ],
    "Multnomah Village Co-op": [
        ("prepared", "Hot-bar meals, chilled", 20, "refrigerated", 18),
        ("produce", "Potatoes and onions", 80, "ambient", 24 * 5),
    ],
    "Lents Family Market": [
        ("dry_goods", "Dented cans, rice and pasta", 35, "ambient", 24 * 60),
        ("produce", "Tomatoes and peppers", 18, "ambient", 48),
        ("bakery", "Tortillas and sweet bread", 7, "ambient", 36),
    ],
}

# Farm produce offers for the next days: farm -> lines of (category, description, kg, storage, pack type).
FARM_OFFERS = {
    "Sauvie Island Growers": [
        ("produce", "Winter squash", 80, "ambient", "bins"),
        ("produce", "Kale and chard", 25, "refrigerated", "waxed cases"),
    ],
    "Gresham Berry & Greens": [
        ("frozen", "Frozen blueberries", 40, "frozen", "5 kg bags"),
        ("produce", "Salad mix", 15, "refrigerated", "3 kg clamshell cases"),
    ],
}
WEEKLY_FARM = ("Tualatin Valley Farm", [("produce", "Carrots and beets", 60, "ambient", "25 kg sacks", 24 * 7)])

# Needs: recipient -> (category, storage, kg, needed by: days ahead and local hour, people expected).
NEEDS = {
    "Columbia Regional Food Bank": [
        ("produce", "ambient", 150, 2, 12, 900), ("dairy", "refrigerated", 60, 1, 15, 900),
        ("frozen", "frozen", 50, 3, 12, 900),
    ],
    "Eastside Community Food Bank": [("produce", "ambient", 80, 1, 16, 450), ("dry_goods", "ambient", 60, 3, 12, 450)],
    "Westside Food Pantry Network": [("bakery", "ambient", 30, 1, 12, 300), ("produce", "refrigerated", 20, 2, 12, 300)],
    "Old Town Night Shelter": [("bakery", "ambient", 20, 1, 18, 120), ("prepared", "refrigerated", 15, 1, 17, 120)],
    "Rose Family Shelter": [("dairy", "refrigerated", 15, 1, 18, 60), ("produce", "ambient", 25, 2, 18, 60)],
    "Foster Road Youth House": [("bakery", "ambient", 10, 1, 18, 35), ("prepared", "refrigerated", 10, 1, 17, 35)],
    "Kenton Women's Shelter": [("produce", "ambient", 20, 2, 18, 50), ("meat_fish", "frozen", 8, 2, 18, 50)],
}

# Priority partners: store -> recipients in rank order.
PARTNERS = {
    "Hawthorne Green Grocer": ["Old Town Night Shelter", "Columbia Regional Food Bank"],
    "Alberta Street Market": ["Kenton Women's Shelter"],
}

# Claims already made today: (store, line description, recipient, kg, claimant e-mail or None for the coordinator).
CLAIMS = [
    ("Hawthorne Green Grocer", "Sourdough loaves and baguettes", "Old Town Night Shelter", 8, "shelter@example.org"),
    ("Sellwood Fresh Foods", "Bananas, apples and citrus", "Columbia Regional Food Bank", 20, "foodbank@example.org"),
    ("Sellwood Fresh Foods", "Milk gallons and cheese", "Rose Family Shelter", 10, None),
]


@dataclass(frozen=True)
class DaySummary:
    donations: int = 0
    offers: int = 0
    needs: int = 0
    claims: int = 0
    skipped: bool = False

    def describe(self) -> str:
        if self.skipped:
            return "Open donations exist already; no demo day added."
        return (f"Demo day: {self.donations} surplus donations, {self.offers} produce offers, "
                f"{self.needs} needs and {self.claims} claims.")


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def acting_person(session: Session, organization: Organization) -> User:
    """Someone who acts for the organization: an existing admin/staff member, or a demo manager created for it."""
    for membership in session.scalars(select(Membership).where(
            Membership.organization_id == organization.id, Membership.active.is_(True),
            Membership.role.in_((Role.ADMIN, Role.COORDINATOR, Role.STAFF))).order_by(Membership.id)):
        if membership.user.active:
            return membership.user
    email = f"{_slug(organization.name)}@example.org"
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, display_name=f"Manager of {organization.name}",
                    password_hash=passwords.hash_password(DEMO_PASSWORD))
        session.add(user)
    session.add(Membership(user=user, organization=organization, role=Role.ADMIN))
    session.flush()
    return user


def _local(day: dt.date, hour: int, minute: int, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tz).astimezone(dt.timezone.utc)


def _tonight(now: dt.datetime, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """Tonight's pickup, 20:00-22:00 local; tomorrow night's when less than an hour of tonight's is left."""
    today = now.astimezone(tz).date()
    start, end = _local(today, 20, 0, tz), _local(today, 22, 0, tz)
    if end - now < dt.timedelta(hours=1):
        start, end = _local(today + dt.timedelta(days=1), 20, 0, tz), _local(today + dt.timedelta(days=1), 22, 0, tz)
    return start, end


def load_day(session: Session, now: dt.datetime, tz: dt.tzinfo, priority_minutes: int = 30,
             notify_radius_km: float = 15) -> DaySummary:
    """Add a realistic marketplace day (see the module docstring) unless open donations exist.

    Everything goes through the ordinary services (posting announces to
    partners and matching recipients, claims notify donors), so the demo
    shows what a real day looks like. Needs the demo organizations.
    """
    if session.scalar(select(Donation.id).where(Donation.status == DonationStatus.OPEN).limit(1)) is not None:
        return DaySummary(skipped=True)
    by_name = {o.name: o for o in session.scalars(select(Organization))}
    start, end = _tonight(now, tz)
    today = start.astimezone(tz).date()   # the day of tonight's pickup: needs and offers follow it

    for store, partner_names in PARTNERS.items():
        donations.set_priority_partners(session, acting_person(session, by_name[store]), by_name[store],
                                        [by_name[name] for name in partner_names])
    needs_by_key = _post_needs(session, by_name, today, now, tz)
    posted: dict[str, Donation] = {}
    for store, rows in TONIGHTS_SURPLUS.items():
        donor = by_name[store]
        data = donations.DonationInput(
            lines=[donations.LineInput(category, description, storage, start + dt.timedelta(hours=keeps), kg=kg)
                   for category, description, kg, storage, keeps in rows],
            pickup_start=start, pickup_end=end, notes=f"Ring at the loading dock. {DEMO_NOTE}")
        posted[store] = donations.post_donation(session, acting_person(session, donor), donor, data, now,
                                                priority_minutes, notify_radius_km)
    offers = _post_farm_offers(session, by_name, today, now, tz, priority_minutes, notify_radius_km)
    made = _claim_tonight(session, by_name, posted, needs_by_key, now, tz)
    return DaySummary(len(posted), offers, len(needs_by_key), made)


def _post_needs(session: Session, by_name: dict[str, Organization], today: dt.date, now: dt.datetime,
                tz: dt.tzinfo) -> dict[tuple[str, str, str], Need]:
    """The recipients' needs (NEEDS), by (recipient name, category, storage)."""
    needs_by_key: dict[tuple[str, str, str], Need] = {}
    for recipient_name, rows in NEEDS.items():
        recipient = by_name[recipient_name]
        person = acting_person(session, recipient)
        for category, storage, kg, days, hour, people in rows:
            day = today + dt.timedelta(days=days)
            needed_by = _local(day, hour, 0, tz)
            window = {"start": _local(day, 9, 0, tz).isoformat(), "end": needed_by.isoformat()}
            need = Need(
                recipient=recipient, category=FoodCategory(category), storage=StorageClass(storage),
                quantity_g=grams(kg), needed_by=needed_by, delivery_windows=[window],
                refrigerated_free_g=grams(recipient.refrigerated_capacity_kg * 0.3),
                frozen_free_g=grams(recipient.frozen_capacity_kg * 0.3), people_expected=people,
                notes="Demo need", created_by_id=person.id, created_at=now,
            )
            session.add(need)
            needs_by_key[(recipient_name, category, storage)] = need
    session.flush()
    return needs_by_key


def _post_farm_offers(session: Session, by_name: dict[str, Organization], today: dt.date, now: dt.datetime,
                      tz: dt.tzinfo, priority_minutes: int, notify_radius_km: float) -> int:
    """The farms' produce offers (FARM_OFFERS) and one weekly harvest schedule (WEEKLY_FARM): how many."""
    offers = 0
    from_, until = _local(today + dt.timedelta(days=1), 6, 0, tz), _local(today + dt.timedelta(days=3), 14, 0, tz)
    for farm, rows in FARM_OFFERS.items():
        donor = by_name[farm]
        data = donations.DonationInput(
            lines=[donations.LineInput(category, description, storage, until + dt.timedelta(days=4), kg=kg,
                                       pack_type=pack) for category, description, kg, storage, pack in rows],
            pickup_start=from_, pickup_end=until, kind=DonationKind.PRODUCE, available_from=from_,
            available_until=until, notes=f"Pickup at the barn during farm hours. {DEMO_NOTE}")
        donations.post_donation(session, acting_person(session, donor), donor, data, now, priority_minutes,
                                notify_radius_km)
        offers += 1
    farm_name, rows = WEEKLY_FARM
    farm = by_name[farm_name]
    tomorrow = today + dt.timedelta(days=1)
    recurring.create_schedule(session, acting_person(session, farm), farm, recurring.ScheduleInput(
        weekdays=[WEEKDAYS[tomorrow.weekday()]], pickup_time="07:00", pickup_minutes=7 * 60,
        lines=[recurring.TemplateLine(category, description, storage, kg, keeps, pack_type=pack)
               for category, description, kg, storage, pack, keeps in rows],
        starts_on=tomorrow, notes=f"Weekly harvest offer. {DEMO_NOTE}", kind=DonationKind.PRODUCE), now, tz)
    return offers + 1


def _claim_tonight(session: Session, by_name: dict[str, Organization], posted: dict[str, Donation],
                   needs_by_key: dict[tuple[str, str, str], Need], now: dt.datetime, tz: dt.tzinfo) -> int:
    """The demo's claims on tonight's surplus (CLAIMS), each meeting its recipient's need when one matches:
    how many."""
    made = 0
    for store, description, recipient_name, kg, claimant in CLAIMS:
        donation = posted[store]
        line = next(line for line in donation.lines if line.description == description)
        recipient = by_name[recipient_name]
        actor = session.scalar(select(User).where(User.email == (claimant or "coordinator@example.org")))
        need = needs_by_key.get((recipient_name, line.category.value, line.storage.value))
        window = default_delivery_window(donation.pickup_end, recipient.hours, tz)
        claims.claim_line(session, actor, line.id, recipient, kg, *window, now, need=need)
        made += 1
    session.flush()
    return made


# --- the busy day to plan: tomorrow's claimed pickups and drivers' shifts (DEMO DATA) ------------

BUSY_DAY_NOTE = "Demo busy day."
BUSY_DAY_DONORS = [name for kind, name, *_ in ORGANIZATIONS if kind in (K.GROCERY, K.FARM)]
BUSY_DAY_RECIPIENTS = [name for kind, name, *_ in ORGANIZATIONS if kind in (K.FOOD_BANK, K.SHELTER)]
# (start, end) of the two pickup rounds, local time.
BUSY_DAY_ROUNDS = [((9, 0), (11, 30)), ((13, 0), (15, 30))]
BUSY_DAY_LINES = [  # category, description, storage, kg range
    ("bakery", "bread and pastries", "ambient", (5, 25)),
    ("produce", "mixed vegetables", "ambient", (10, 40)),
    ("produce", "fruit", "ambient", (8, 30)),
    ("dry_goods", "canned and dry goods", "ambient", (10, 35)),
    ("dairy", "milk and yogurt", "refrigerated", (5, 20)),
    ("prepared", "prepared meals", "refrigerated", (4, 15)),
    ("meat_fish", "chicken and fish", "frozen", (5, 15)),
    ("bakery", "sandwiches", "refrigerated", (3, 10)),
]
# Shifts per demo driver account: all do the morning, eight also the afternoon -> 20 shifts.
BUSY_DAY_SHIFTS = [((8, 30), (12, 30)), ((12, 30), (17, 30))]


@dataclass(frozen=True)
class BusyDaySummary:
    day: dt.date | None = None
    claims: int = 0
    shifts: int = 0
    skipped: bool = False

    def describe(self) -> str:
        if self.skipped:
            return f"Busy day {self.day}: already loaded."
        return f"Busy day to plan on {self.day}: {self.claims} claimed requests and {self.shifts} driver shifts."


def load_busy_day(session: Session, now: dt.datetime, tz: dt.tzinfo) -> BusyDaySummary:
    """Tomorrow (local): two pickup rounds at every grocery and farm, every line claimed for a food bank
    or shelter (at least 150 claims), and 20 driver shifts from the demo drivers. Idempotent: skipped
    when tomorrow already has demo shifts."""
    import random

    from coalition.models.shift import ColdChain, DriverShift, PlaceKind, ShiftStatus

    day = now.astimezone(tz).date() + dt.timedelta(days=1)
    if session.scalar(select(DriverShift.id).where(DriverShift.local_date == day,
                                                   DriverShift.notes == BUSY_DAY_NOTE).limit(1)) is not None:
        return BusyDaySummary(day, skipped=True)
    rng = random.Random(day.toordinal())
    by_name = {o.name: o for o in session.scalars(select(Organization))}
    coordinator = session.scalar(select(User).where(User.email == "coordinator@example.org"))
    claims_made = 0
    for donor_name in BUSY_DAY_DONORS:
        donor = by_name[donor_name]
        for (sh, sm), (eh, em) in BUSY_DAY_ROUNDS:
            start, end = _local(day, sh, sm, tz), _local(day, eh, em, tz)
            rows = rng.sample(BUSY_DAY_LINES, 8)
            data = donations.DonationInput(
                lines=[donations.LineInput(category, description, storage, end + dt.timedelta(hours=30),
                                           kg=float(rng.randint(*kgs))) for category, description, storage, kgs in rows],
                pickup_start=start, pickup_end=end, notes=f"Loading dock at the back. {BUSY_DAY_NOTE} {DEMO_NOTE}")
            donation = donations.post_donation(session, acting_person(session, donor), donor, data, now,
                                               priority_minutes=0, notify_radius_km=0)
            for line in donation.lines:
                recipient = by_name[rng.choice(BUSY_DAY_RECIPIENTS)]
                delivery = (start + dt.timedelta(minutes=30), end + dt.timedelta(hours=3))
                claims.claim_line(session, coordinator, line.id, recipient, None, *delivery, now)
                claims_made += 1
    drivers = [session.scalar(select(User).where(User.email == email)) for email in
               ["driver@example.org"] + [f"driver{i}@example.org" for i in range(1, len(VOLUNTEER_DRIVERS) + 1)]]
    backbone = by_name["Feeding Our City Backbone"]
    depots = [by_name[name] for kind, name, *_ in ORGANIZATIONS if kind is K.FOOD_BANK]
    chains = [ColdChain.REFRIGERATED, ColdChain.INSULATED, ColdChain.INSULATED, ColdChain.NONE, ColdChain.NONE]
    shifts = 0
    for round_index, ((sh, sm), (eh, em)) in enumerate(BUSY_DAY_SHIFTS):
        for index, driver in enumerate(drivers if round_index == 0 else drivers[:8]):
            depot = depots[index % len(depots)]
            home = index % 2 == 0
            session.add(DriverShift(
                driver=driver, organization=backbone, local_date=day, start_at=_local(day, sh, sm, tz),
                end_at=_local(day, eh, em, tz), status=ShiftStatus.AVAILABLE, notes=BUSY_DAY_NOTE,
                start_kind=PlaceKind.HOME if home else PlaceKind.DEPOT,
                start_latitude=round(45.47 + rng.random() * 0.12, 4) if home else None,
                start_longitude=round(-122.75 + rng.random() * 0.17, 4) if home else None,
                start_organization=None if home else depot, end_kind=PlaceKind.ANYWHERE,
                capacity_g=grams(rng.choice((150, 200, 250, 300, 400))), cold_chain=chains[index % len(chains)],
                max_stops=None))
            shifts += 1
    session.flush()
    return BusyDaySummary(day, claims_made, shifts)
