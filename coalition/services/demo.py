"""The demo coalition "Feeding Our City": partners spread over Portland, Oregon.

Every name here is invented demo data placed at plausible addresses; it
is not a list of real organizations. Loading is idempotent (matched by
organization name and user e-mail), so ``flask demo load`` can run on every
start.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from coalition.extensions import Base
from coalition.models import Membership, Organization, OrganizationKind, Role, User
from coalition.services import passwords

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
    return DemoSummary(created_orgs, created_users)


def clear_all_data(session: Session) -> None:
    """Delete every row of every table, children first. For ``flask demo reset`` only."""
    for table in reversed(Base.metadata.sorted_tables):
        session.execute(delete(table))
    session.flush()


def reset_demo(session: Session) -> DemoSummary:
    clear_all_data(session)
    return load_demo(session)
