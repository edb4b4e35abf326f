"""Onboarding a network of partners from one spreadsheet: reading the CSV, a preview of every row, the import.

The preview writes nothing but the geocoder's cache. The import takes a preview
without failures and creates or updates every row in the caller's transaction, so a
file is imported whole or not at all. A partner already present with the same name
and address is updated, so importing the same file again changes nothing twice.
Cells are data: they are stored and shown as text, never evaluated.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from coalition import permissions
from coalition.errors import PermissionDenied, ValidationError
from coalition.models import WEEKDAYS, Invitation, Membership, Organization, OrganizationKind, Role, User
from coalition.services import accounts, geocoding, organizations
from coalition.services.csv_export import write_csv
from coalition.services.geocoding import AmbiguousAddress, GeocoderSettings, GeocoderUnavailable

HOUR_COLUMNS = tuple(f"hours_{day}" for day in WEEKDAYS)
COLUMNS = ("name", "kind", "address", "lat", "lon", "phone", "admin_email", *HOUR_COLUMNS)
REQUIRED = ("name", "kind", "address")
MAX_ROWS = 5000
IMPORTABLE_KINDS = [kind for kind in OrganizationKind if kind is not OrganizationKind.BACKBONE]

TEMPLATE_ROWS = (
    ("Eastside Corner Market", "grocery", "1200 SE Morrison St, Portland, OR", "", "", "503-555-0199",
     "manager@eastside-market.example", "08:00-20:00", "08:00-20:00", "08:00-20:00", "08:00-20:00",
     "08:00-21:00", "09:00-21:00", "closed"),
    ("Broadway Community Pantry", "food_bank", "4400 NE Broadway, Portland, OR", "45.5349", "-122.6178",
     "503-555-0142", "", "10:00-12:00, 14:00-18:00", "", "10:00-12:00, 14:00-18:00", "", "10:00-16:00", "", ""),
)


@dataclass
class RowResult:
    """What the import would do with one row: ``action`` is "create", "update" or "fail"."""

    line: int
    name: str
    address: str
    action: str = "fail"
    details: organizations.OrganizationDetails | None = None
    admin_email: str = ""
    existing_id: int | None = None
    located_by: str = ""          # "file", "geocoder" or "kept" (the partner's saved point)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportPreview:
    rows: list[RowResult]
    file_problems: list[str] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return sum(row.action == "fail" for row in self.rows) or (1 if self.file_problems else 0)

    @property
    def ok(self) -> bool:
        return not self.file_problems and self.failed == 0

    def count(self, action: str) -> int:
        return sum(row.action == action for row in self.rows)


@dataclass
class ImportResult:
    imported: int
    updated: int
    invitations: list[tuple[Invitation, str]]


def template_csv() -> str:
    """A spreadsheet to start from: the header and two example rows (through the one safe CSV writer)."""
    return write_csv(COLUMNS, TEMPLATE_ROWS)


def decode(data: bytes) -> str:
    """The file's text (UTF-8, with or without the byte-order mark spreadsheets add)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError("Save the spreadsheet as CSV in UTF-8.", {"file": "This file is not UTF-8 text."}) from None


def read_rows(text: str) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """The data rows as (line number, {column: cell}) and the problems of the file as a whole."""
    reader = csv.reader(io.StringIO(text))
    header = [name.strip().lower() for name in next(reader, [])]
    problems = []
    missing = [name for name in REQUIRED if name not in header]
    if not header:
        return [], ["The file is empty: start from the template."]
    if missing:
        problems.append(f"Missing column(s): {', '.join(missing)}. The first line must name the columns.")
    unknown = [name for name in header if name and name not in COLUMNS]
    if unknown:
        problems.append(f"Unknown column(s): {', '.join(unknown)}. Known: {', '.join(COLUMNS)}.")
    rows = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) >= MAX_ROWS:
            problems.append(f"More than {MAX_ROWS:,} partners: split the file.")
            break
        padded = cells + [""] * (len(header) - len(cells))
        rows.append((reader.line_num, {name: padded[i].strip() for i, name in enumerate(header) if name}))
    return rows, problems


def _kind(text: str) -> OrganizationKind | None:
    wanted = text.strip().casefold().replace(" ", "_")
    for kind in IMPORTABLE_KINDS:
        if wanted in (kind.value, kind.label.casefold().replace(" ", "_")):
            return kind
    return None


def _coordinates(cells: dict[str, str], row: RowResult) -> tuple[float | None, float | None]:
    lat_text, lon_text = cells.get("lat", ""), cells.get("lon", "")
    if not lat_text and not lon_text:
        return None, None
    try:
        lat, lon = float(lat_text), float(lon_text)
    except ValueError:
        row.problems.append("lat and lon must both be decimal degrees (e.g. 45.5152 and -122.6784).")
        return None, None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        row.problems.append("lat must be between -90 and 90 and lon between -180 and 180.")
        return None, None
    return lat, lon


def _parse_cells(cells: dict[str, str], row: RowResult) -> organizations.OrganizationDetails | None:
    """The row's details, with every problem of its cells added to ``row.problems``."""
    kind = _kind(cells.get("kind", ""))
    if kind is None:
        row.problems.append(f"kind must be one of: {', '.join(k.value for k in IMPORTABLE_KINDS)}.")
    for column, longest in (("name", 200), ("address", 300), ("phone", 40)):
        if len(cells.get(column, "")) > longest:
            row.problems.append(f"{column} is longer than {longest} characters.")
    for column in ("name", "address"):
        if not cells.get(column):
            row.problems.append(f"{column} is empty.")
    hours: dict = {}
    try:
        hours = organizations.parse_hours({day: cells.get(f"hours_{day}", "") for day in WEEKDAYS})
    except ValidationError as error:
        row.problems.extend(f"{name}: {message}" for name, message in error.fields.items())
    if cells.get("admin_email"):
        try:
            row.admin_email = accounts.clean_email(cells["admin_email"], field="admin_email")
        except ValidationError as error:
            row.problems.append(f"admin_email: {error.fields.get('admin_email', error.message)}")
    latitude, longitude = _coordinates(cells, row)
    if row.problems:
        return None
    return organizations.OrganizationDetails(kind=kind, name=row.name, address=row.address, latitude=latitude,
                                             longitude=longitude, phone=cells.get("phone", ""), hours=hours)


def _locate(session: Session, settings: GeocoderSettings, row: RowResult, existing: Organization | None,
            cache: dict) -> None:
    """Give the row's details a point: the file's, the partner's saved one, or the geocoder's (through the cache)."""
    details = row.details
    if details.latitude is not None:
        row.located_by = "file"
        return
    if existing is not None and existing.has_location:
        details.latitude, details.longitude, row.located_by = existing.latitude, existing.longitude, "kept"
        return
    try:
        match = geocoding.locate(session, settings, row.address, cache)
    except AmbiguousAddress as error:
        places = "; ".join(m.label for m in error.matches)
        row.problems.append(f"The address matches {len(error.matches)} places ({places}): add lat and lon.")
    except GeocoderUnavailable as error:
        row.problems.append(f"{error.fields.get('address', error.message).rstrip('.')}: add lat and lon.")
    except ValidationError:
        row.problems.append("No place found for this address: add lat and lon.")
    else:
        details.latitude, details.longitude, row.located_by = match.latitude, match.longitude, "geocoder"
        row.warnings.append(f"Found at {match.label}.")


def preview_import(session: Session, settings: GeocoderSettings, text: str) -> ImportPreview:
    """What importing ``text`` (the CSV) would do, row by row, with each row's problems; writes nothing
    but the geocoder's cache."""
    cells_by_line, file_problems = read_rows(text)
    by_name = {o.name.casefold(): o for o in session.scalars(select(Organization))}
    network = geocoding.network_points(session)
    cache = geocoding.cached_matches(session, settings.provider, [cells.get("address", "") for _, cells in cells_by_line
                                                                  if not cells.get("lat") and not cells.get("lon")])
    seen: dict[str, int] = {}
    rows = []
    for line, cells in cells_by_line:
        row = RowResult(line, cells.get("name", ""), cells.get("address", ""))
        rows.append(row)
        row.details = _parse_cells(cells, row)
        key = row.name.casefold()
        if key in seen:
            row.problems.append(f"The name is already on line {seen[key]}.")
        seen.setdefault(key, line)
        existing = by_name.get(key)
        if existing is not None and geocoding.normalize_query(existing.address) != geocoding.normalize_query(row.address):
            row.problems.append(f"A partner with this name exists at another address ({existing.address}).")
        elif existing is not None and existing.kind is OrganizationKind.BACKBONE:
            row.problems.append("The backbone organization is not imported.")
        if row.problems:
            row.details = None
            continue
        _locate(session, settings, row, existing, cache)
        if row.problems:
            row.details = None
            continue
        far = geocoding.km_outside_area(network, row.details.latitude, row.details.longitude, settings.service_area_km)
        if far is not None:
            row.warnings.append(f"{far:,.0f} km from the nearest partner, outside the coalition's area.")
        if existing is not None:
            row.action, row.existing_id = "update", existing.id
        else:
            row.action = "create"
    return ImportPreview(rows, file_problems)


def _wants_invitation(session: Session, organization: Organization, email: str, now: dt.datetime) -> bool:
    if not email:
        return False
    user = accounts.get_user_by_email(session, email)
    if user is not None and session.scalar(select(Membership.id).where(
            Membership.user_id == user.id, Membership.organization_id == organization.id, Membership.role == Role.ADMIN)):
        return False
    return not any(i.email == email and i.role is Role.ADMIN
                   for i in accounts.list_open_invitations(session, organization, now))


def apply_import(session: Session, actor: User, preview: ImportPreview, now: dt.datetime,
                 invitation_max_age_s: int) -> ImportResult:
    """Create or update every row of a preview without failures, and invite each new admin_email.

    Flushes; the caller commits once (or rolls back: nothing is half imported). Returns the counts
    and each (invitation, token) to send. Raises PermissionDenied unless the actor may import, and
    ValidationError when the preview has a failed row or a problem with the file.
    """
    if not permissions.can_import_partners(actor):
        raise PermissionDenied("Only coalition administrators import partners.")
    if not preview.ok:
        raise ValidationError(f"{preview.failed} row(s) have problems: nothing was imported.",
                              {"file": "Fix the rows listed and upload the file again."})
    imported = updated = 0
    invitations = []
    for row in preview.rows:
        if row.action == "update":
            organization = organizations.get_organization(session, row.existing_id)
            row.details.refrigerated_capacity_kg = organization.refrigerated_capacity_kg
            row.details.frozen_capacity_kg = organization.frozen_capacity_kg
            organizations.update_organization(session, actor, organization, row.details)
            updated += 1
        else:
            organization = organizations.create_organization(session, actor, row.details)
            imported += 1
        # A new partner has no admin and no invitation yet; an updated one may have both already.
        if row.admin_email and (row.action == "create" or _wants_invitation(session, organization, row.admin_email, now)):
            invitations.append(accounts.invite(session, actor, organization, row.admin_email, Role.ADMIN, now,
                                               invitation_max_age_s))
    return ImportResult(imported, updated, invitations)


def invitation_message(invitation: Invitation, link: str, max_age_s: int, coalition_name: str) -> tuple[str, str]:
    """Subject and body of the e-mail inviting an imported partner's first admin."""
    name = invitation.organization.name
    return (f"You are invited to {name} on {coalition_name}",
            f"{invitation.invited_by.display_name} invited you to join {name} as {invitation.role.value}.\n\n"
            f"Accept within {max_age_s // 86400} days:\n{link}\n")


class InvitationMail(NamedTuple):
    """One invitation e-mail of an import, with its link for the importer to pass on when e-mail is off."""

    email: str
    subject: str
    body: str
    link: str


def invitation_mails(invitations: list[tuple[Invitation, str]], absolute_url: Callable[[str, dict], str],
                     max_age_s: int, coalition_name: str) -> list[InvitationMail]:
    """The e-mail of each (invitation, token) of an :class:`ImportResult`. Call it before the commit,
    which expires the rows it reads.

    ``absolute_url(endpoint, args)`` builds the acceptance link: pass ``mail_links.absolute_url`` (from
    BASE_URL, never a request's host). What it raises (no BASE_URL: MailLinksNotConfigured) is raised
    here, before anything is committed, so the import is refused rather than half-sent.
    """
    mails = []
    for invitation, token in invitations:
        link = absolute_url("auth.accept_invitation", {"token": token})
        subject, body = invitation_message(invitation, link, max_age_s, coalition_name)
        mails.append(InvitationMail(invitation.email, subject, body, link))
    return mails


def default_importer(session: Session, email: str | None) -> User:
    """The coalition admin the command acts as: ``email``'s, or the first active one."""
    if email:
        user = accounts.get_user_by_email(session, email)
        if user is None or not permissions.can_import_partners(user):
            raise PermissionDenied(f"{email} is not a coalition administrator.")
        return user
    for user in session.scalars(select(User).order_by(User.id)):
        if permissions.can_import_partners(user):
            return user
    raise PermissionDenied("There is no coalition administrator to import as.")
