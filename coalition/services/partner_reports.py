"""Partner reports: food banks and shelters count the people they served each month (aggregates only).

A report covers one calendar month. Submitting again for the same month is a
correction: the new figures replace the old and the audit trail keeps both.
"""
from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io

from sqlalchemy import select
from sqlalchemy.orm import Session

from coalition import permissions
from coalition.errors import PermissionDenied, ValidationError
from coalition.models import NotificationKind, Organization, OrganizationKind, PartnerReport, Role, User
from coalition.services import audit, notifications
from coalition.services.notifications import Page

CSV_COLUMNS = ("organization", "period", "visits", "individuals", "households", "meals_on_site")
MAX_COUNT = 10_000_000  # a monthly count above this is a typo, not a coalition


@dataclasses.dataclass(frozen=True)
class ReportInput:
    period: str                 # "YYYY-MM"
    visits: int | None
    individuals: int | None = None
    households: int | None = None
    meals_on_site: int | None = None


def parse_period(text: str, field: str = "period") -> tuple[dt.date, dt.date]:
    """"2026-10" -> (2026-10-01, 2026-10-31); ValidationError otherwise."""
    try:
        start = dt.datetime.strptime((text or "").strip(), "%Y-%m").date()
    except ValueError:
        raise ValidationError("Give the month as YYYY-MM.", {field: "Give the month as YYYY-MM, e.g. 2026-10."}) from None
    following = dt.date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return start, following - dt.timedelta(days=1)


def _check(data: ReportInput, now: dt.datetime) -> dict[str, str]:
    errors: dict[str, str] = {}
    try:
        start, _end = parse_period(data.period)
        if start > now.date():
            errors["period"] = "Report on a month that has started."
    except ValidationError as error:
        errors.update(error.fields)
    for name in ("visits", "individuals", "households", "meals_on_site"):
        value = getattr(data, name)
        if value is None:
            if name == "visits":
                errors[name] = "Give the number of visits (0 if none)."
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            errors[name] = "Give a whole number."
        elif value < 0:
            errors[name] = "Counts cannot be negative."
        elif value > MAX_COUNT:
            errors[name] = "That is more than any partner serves in a month."
    if not errors and data.individuals is not None and data.individuals > data.visits:
        errors["individuals"] = "Unduplicated individuals cannot exceed visits."
    if not errors and data.households is not None and data.individuals is not None and data.households > data.individuals:
        errors["households"] = "Households cannot exceed individuals."
    return errors


def can_report_for(actor: User, organization: Organization) -> bool:
    return permissions.can_submit_partner_report(actor, organization)


def submit_report(session: Session, actor: User, organization: Organization, data: ReportInput,
                  now: dt.datetime) -> PartnerReport:
    """Create or correct a partner's report for a month. Raises PermissionDenied or ValidationError."""
    if not permissions.can_submit_partner_report(actor, organization):
        raise PermissionDenied(f"You cannot report for {organization.name}.")
    errors = _check(data, now)
    if errors:
        raise ValidationError("Please correct the highlighted fields.", errors)
    return _save(session, actor, organization, data, now)


def _save(session: Session, actor: User, organization: Organization, data: ReportInput, now: dt.datetime) -> PartnerReport:
    start, end = parse_period(data.period)
    report = session.scalar(select(PartnerReport).where(
        PartnerReport.organization_id == organization.id, PartnerReport.period_start == start))
    figures = {"visits": data.visits, "individuals": data.individuals, "households": data.households,
               "meals_on_site": data.meals_on_site}
    if report is None:
        report = PartnerReport(organization=organization, period_start=start, period_end=end, submitted_by=actor,
                               submitted_at=now, **figures)
        session.add(report)
        session.flush()
        audit.record(session, actor, "partner_report", report.id, "submitted", now, organization.id,
                     period=data.period, **figures)
    else:
        before = {name: getattr(report, name) for name in figures}
        changed = {name: [before[name], value] for name, value in figures.items() if before[name] != value}
        for name, value in figures.items():
            setattr(report, name, value)
        report.updated_at, report.submitted_by = now, actor
        session.flush()
        audit.record(session, actor, "partner_report", report.id, "corrected", now, organization.id,
                     period=data.period, changes=changed)
    return report


def _int_cell(raw: str | None) -> int | None | str:
    raw = (raw or "").strip()
    if raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        try:
            number = float(raw)
        except ValueError:
            return raw
        return int(number) if number.is_integer() else raw


def import_csv(session: Session, actor: User, text: str, now: dt.datetime) -> list[PartnerReport]:
    """Import reports from CSV (columns: organization, period, visits, individuals, households, meals_on_site).

    Every row is checked first; one ValidationError lists each bad row by its
    line number and nothing is saved unless all rows are good.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in ("organization", "period", "visits") if c not in header]
    if missing:
        raise ValidationError(f"The CSV lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}. "
                              f"Expected: {', '.join(CSV_COLUMNS)}.", {"file": f"Missing {', '.join(missing)}."})
    reader.fieldnames = header
    by_name = {o.name.lower(): o for o in session.scalars(select(Organization))}
    problems: list[str] = []
    rows: list[tuple[Organization, ReportInput]] = []
    seen: set[tuple[int, str]] = set()
    for line_no, raw in enumerate(reader, start=2):
        if not any((v or "").strip() for v in raw.values() if isinstance(v, str)):
            continue
        name = (raw.get("organization") or "").strip()
        organization = by_name.get(name.lower())
        if organization is None:
            problems.append(f"Row {line_no}: unknown partner {name!r}.")
            continue
        if not organization.kind.is_recipient:
            problems.append(f"Row {line_no}: {organization.name} is not a food bank or shelter.")
            continue
        if not permissions.can_submit_partner_report(actor, organization):
            problems.append(f"Row {line_no}: you cannot report for {organization.name}.")
            continue
        values = {c: _int_cell(raw.get(c)) for c in ("visits", "individuals", "households", "meals_on_site")}
        bad = [c for c, v in values.items() if isinstance(v, str)]
        if bad:
            problems.append(f"Row {line_no}: {', '.join(bad)} must be whole numbers.")
            continue
        data = ReportInput(period=(raw.get("period") or "").strip(), **values)
        errors = _check(data, now)
        if errors:
            problems.append(f"Row {line_no} ({organization.name}): " + " ".join(f"{k}: {v}" for k, v in errors.items()))
            continue
        if (organization.id, data.period) in seen:
            problems.append(f"Row {line_no}: {organization.name} {data.period} appears twice.")
            continue
        seen.add((organization.id, data.period))
        rows.append((organization, data))
    if problems:
        raise ValidationError("Nothing was imported. " + " ".join(problems[:20]), {"file": problems[0]})
    if not rows:
        raise ValidationError("The CSV has no rows.", {"file": "No rows."})
    return [_save(session, actor, organization, data, now) for organization, data in rows]


def reporting_partners(session: Session) -> list[Organization]:
    """Active food banks and shelters: the partners expected to report each month."""
    return list(session.scalars(select(Organization).where(
        Organization.active.is_(True), Organization.kind.in_((OrganizationKind.FOOD_BANK, OrganizationKind.SHELTER)))
        .order_by(Organization.name)))


def missing_reports(session: Session, period: str) -> list[Organization]:
    """Partners that have not reported for the month ``period`` ("YYYY-MM")."""
    start, _end = parse_period(period)
    reported = set(session.scalars(select(PartnerReport.organization_id).where(PartnerReport.period_start == start)))
    return [o for o in reporting_partners(session) if o.id not in reported]


def list_reports(session: Session, organization_id: int | None = None, limit: int = 500) -> list[PartnerReport]:
    query = select(PartnerReport).order_by(PartnerReport.period_start.desc(), PartnerReport.organization_id).limit(limit)
    if organization_id is not None:
        query = query.where(PartnerReport.organization_id == organization_id)
    return list(session.scalars(query))


@dataclasses.dataclass(frozen=True)
class Reminder:
    organization: Organization
    emails: list[str]
    subject: str
    body: str


def remind_missing(session: Session, actor: User, period: str, now: dt.datetime, report_url: str) -> list[Reminder]:
    """The reminders to send to every partner that has not reported for ``period``: one per partner,
    addressed to its active admins, coordinators and staff; each is recorded in the audit trail.
    Those people also get an in-app notification (``report_due``; in-app only, the caller sends the e-mail).

    ``report_url`` is the absolute address of the report form, written into the e-mail.
    The caller sends them (it knows how mail is configured) and commits.
    """
    if not permissions.can_manage_measurement(actor):
        raise PermissionDenied("Only the backbone reminds partners.")
    reminders = []
    for organization in missing_reports(session, period):
        emails = sorted({m.user.email for m in organization.memberships
                         if m.active and m.user.active and m.role in (Role.ADMIN, Role.COORDINATOR, Role.STAFF)})
        body = (f"Hello {organization.name},\n\nThe coalition has no report yet of the people you served in {period}. "
                f"It takes a minute: visits, and if you have them, unduplicated individuals and households.\n\n{report_url}\n\n"
                "Aggregate counts only, please: never anything about a person.\n")
        reminders.append(Reminder(organization, emails, f"Please report people served in {period}", body))
        for notice in notifications.notify_organization(
                session, organization, NotificationKind.REPORT_DUE, f"Please report people served in {period}",
                f"The coalition has no report yet of the people {organization.name} served in {period}. "
                "Aggregate counts only.", Page("measurement.reports"), now):
            notice.send_email = False   # the reminder e-mail itself goes out from the caller, once
        audit.record(session, actor, "organization", organization.id, "report_reminded", now, organization.id,
                     period=period, recipients=len(emails))
    session.flush()
    return reminders
