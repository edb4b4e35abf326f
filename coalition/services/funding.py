"""The funding ledger: grants and pledges, spending against them, money parsing, and who sees what.

Money is an integer count of minor units (cents) beside an ISO 4217 code. Typed amounts are read with
:class:`decimal.Decimal`, never a float, and an amount with more decimals than its currency has is
refused rather than rounded: a ledger that silently drops a cent no longer adds up. Spending is always
in its grant's currency.

Visibility: the backbone sees every grant; an organization that funds grants (the city agency, a
partner) sees those it funds; every other partner sees totals by purpose only (:func:`funding_totals`).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from coalition import permissions
from coalition.errors import NotFound, PermissionDenied, ValidationError
from coalition.models import FundingPurpose, Grant, GrantSpending, GrantStatus, Organization, User
from coalition.services import audit
from coalition.services.indicators import INDICATORS

# ISO 4217 codes a grant may be in, with the number of digits of their minor unit.
CURRENCY_DIGITS: dict[str, int] = {
    "USD": 2, "CAD": 2, "MXN": 2, "EUR": 2, "GBP": 2, "CHF": 2, "AUD": 2, "NZD": 2,
    "JPY": 0, "KRW": 0, "CLP": 0, "ISK": 0,
    "BHD": 3, "KWD": 3, "JOD": 3, "OMR": 3, "TND": 3,
}
DEFAULT_CURRENCY = "USD"
# A billion in major units: far above any coalition grant, well inside a 64-bit integer of minor units.
MAX_MAJOR_UNITS = Decimal(10) ** 9
# Plain digits, or thousands grouped with commas ("12,500.00"); no sign, exponent or other separators.
_AMOUNT = re.compile(r"^(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$")
ACTIVITY = "activity"
# What a grant may say it supports: one of the shared indicators, or a coalition activity named in words.
SUPPORTS = {**{key: indicator.name for key, indicator in INDICATORS.items()}, ACTIVITY: "A coalition activity"}


# --- money ----------------------------------------------------------------------------------------

def check_currency(code: str | None, field_name: str = "currency") -> str:
    """The upper-case ISO 4217 code, or ValidationError naming ``field_name`` for a code not in :data:`CURRENCY_DIGITS`."""
    code = (code or "").strip().upper()
    if code not in CURRENCY_DIGITS:
        raise ValidationError("Unknown currency.", {field_name: "Choose a currency from the list."})
    return code


def parse_amount(text: str | Decimal | None, currency: str, field_name: str = "amount") -> int:
    """A typed amount (``"1,250.50"``) in ``currency`` as an integer of minor units (125050).

    Read with Decimal, exactly. Raises ValidationError naming ``field_name`` when the text is not a
    plain positive number, has more decimals than the currency has (0.001 USD), or is absurdly large.
    """
    digits = CURRENCY_DIGITS[check_currency(currency)]
    if isinstance(text, Decimal):
        value = text
    else:
        cleaned = (text or "").strip()
        if not _AMOUNT.match(cleaned):
            raise ValidationError("Please correct the amount.", {field_name: "Give an amount such as 1250.50."})
        try:
            value = Decimal(cleaned.replace(",", ""))
        except InvalidOperation:
            raise ValidationError("Please correct the amount.", {field_name: "Give an amount such as 1250.50."})
    if not value.is_finite() or value <= 0:
        raise ValidationError("Please correct the amount.", {field_name: "Give an amount above zero."})
    if value >= MAX_MAJOR_UNITS:
        raise ValidationError("Please correct the amount.", {field_name: "That amount is too large."})
    minor = value.scaleb(digits)
    if minor != minor.to_integral_value():
        unit = "no decimals" if digits == 0 else f"at most {digits} decimals"
        raise ValidationError("Please correct the amount.", {field_name: f"{currency} amounts have {unit}."})
    return int(minor)


def to_decimal(minor: int, currency: str) -> Decimal:
    """Minor units back to an exact Decimal of major units (125050 USD -> Decimal('1250.50'))."""
    return Decimal(minor).scaleb(-CURRENCY_DIGITS[currency])


def format_money(minor: int, currency: str) -> str:
    """``"USD 1,250.50"``: the code, then the amount grouped by thousands with the currency's decimals."""
    digits = CURRENCY_DIGITS[currency]
    return f"{currency} {to_decimal(minor, currency):,.{digits}f}"


def plain_amount(minor: int, currency: str) -> str:
    """The amount as a form shows it again, without grouping (``"1250.50"``): it parses back to ``minor``."""
    return f"{to_decimal(minor, currency):.{CURRENCY_DIGITS[currency]}f}"


# --- reading ----------------------------------------------------------------------------------------

def get_grant(session: Session, grant_id: int) -> Grant:
    grant = session.get(Grant, grant_id)
    if grant is None:
        raise NotFound("There is no such grant.")
    return grant


def visible_grants_query(actor: User):
    """A select of the grants ``actor`` may see in detail: all for the backbone, else those its organizations fund."""
    query = select(Grant).options(selectinload(Grant.funder_organization), selectinload(Grant.spending))
    if permissions.is_backbone_staff(actor):
        return query
    funded = [o.id for o in permissions.funding_organizations(actor)]
    return query.where(Grant.funder_organization_id.in_(funded))


def list_grants(session: Session, actor: User) -> list[Grant]:
    """The grants ``actor`` may see in detail, newest period first. Raises PermissionDenied for those who see none."""
    if not (permissions.can_manage_funding(actor) or permissions.can_view_funder_reports(actor)):
        raise PermissionDenied("Grant details are for the backbone and the funders.")
    return list(session.scalars(visible_grants_query(actor).order_by(Grant.period_start.desc(), Grant.id.desc())))


@dataclass
class CurrencyTotals:
    """One currency's totals by purpose, in minor units: what the coalition received, pledged and spent."""

    currency: str
    received: dict[FundingPurpose, int] = field(default_factory=dict)
    pledged: dict[FundingPurpose, int] = field(default_factory=dict)
    spent: dict[FundingPurpose, int] = field(default_factory=dict)

    def total(self, which: str) -> int:
        return sum(getattr(self, which).values())

    def rows(self) -> list[tuple[FundingPurpose, int, int, int]]:
        """(purpose, received, pledged, spent) for each purpose with any money, in the enum's order."""
        return [(p, self.received.get(p, 0), self.pledged.get(p, 0), self.spent.get(p, 0)) for p in FundingPurpose
                if p in self.received or p in self.pledged or p in self.spent]


def funding_totals(session: Session, actor: User) -> list[CurrencyTotals]:
    """The coalition's money by currency and purpose, all grants and all time, without funder names:
    what every partner may see. Raises PermissionDenied for people of no partner (drivers only)."""
    if not permissions.can_view_funding(actor):
        raise PermissionDenied("Funding totals are for the coalition's partners.")
    by_currency: dict[str, CurrencyTotals] = {}
    for currency, purpose, status, amount in session.execute(
            select(Grant.currency, Grant.purpose, Grant.status, func.sum(Grant.amount_minor))
            .group_by(Grant.currency, Grant.purpose, Grant.status)):
        totals = by_currency.setdefault(currency, CurrencyTotals(currency))
        target = totals.received if status is GrantStatus.RECEIVED else totals.pledged
        target[purpose] = target.get(purpose, 0) + int(amount)
    for currency, purpose, amount in session.execute(
            select(GrantSpending.currency, GrantSpending.purpose, func.sum(GrantSpending.amount_minor))
            .group_by(GrantSpending.currency, GrantSpending.purpose)):
        totals = by_currency.setdefault(currency, CurrencyTotals(currency))
        totals.spent[purpose] = totals.spent.get(purpose, 0) + int(amount)
    return [by_currency[c] for c in sorted(by_currency)]


# --- writing ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GrantInput:
    """A grant as typed: the funder is an organization id, or (with no id) an outside funder's name."""

    title: str
    funder_organization_id: int | None
    funder_name: str
    amount: str | Decimal
    currency: str
    period_start: dt.date | None
    period_end: dt.date | None
    purpose: str
    status: str
    received_on: dt.date | None
    supports: str
    activity: str = ""


def _check_grant(session: Session, data: GrantInput) -> dict:
    """Every field of ``data`` checked at once; returns the model's values or raises one ValidationError."""
    errors: dict[str, str] = {}
    values: dict = {"title": (data.title or "").strip(), "activity": (data.activity or "").strip()}
    if not values["title"]:
        errors["title"] = "Give the grant a name."
    funder_name = (data.funder_name or "").strip()
    values["funder_organization_id"], values["funder_name"] = None, None
    if data.funder_organization_id:
        organization = session.get(Organization, data.funder_organization_id)
        if organization is None or not organization.active:
            errors["funder_organization_id"] = "Choose a partner organization from the list."
        elif funder_name:
            errors["funder_name"] = "Name an outside funder only when no partner organization is chosen."
        values["funder_organization_id"] = data.funder_organization_id
    elif funder_name:
        values["funder_name"] = funder_name
    else:
        errors["funder_name"] = "Choose a partner organization or name the outside funder."
    try:
        values["currency"] = check_currency(data.currency)
        values["amount_minor"] = parse_amount(data.amount, values["currency"])
    except ValidationError as error:
        errors.update(error.fields)
    for name, text, enum_class in (("purpose", data.purpose, FundingPurpose), ("status", data.status, GrantStatus)):
        try:
            values[name] = enum_class(text)
        except ValueError:
            errors[name] = "Choose one from the list."
    if data.period_start is None:
        errors["period_start"] = "Give the first day of the period."
    if data.period_end is None:
        errors["period_end"] = "Give the last day of the period."
    elif data.period_start is not None and data.period_end < data.period_start:
        errors["period_end"] = "The period must end on or after its start."
    values["period_start"], values["period_end"] = data.period_start, data.period_end
    values["received_on"] = data.received_on if values.get("status") is GrantStatus.RECEIVED else None
    if values.get("status") is GrantStatus.RECEIVED and data.received_on is None:
        errors["received_on"] = "Give the day the money was received."
    if data.supports not in SUPPORTS:
        errors["supports"] = "Choose an indicator or activity from the list."
    elif data.supports == ACTIVITY and not values["activity"]:
        errors["activity"] = "Name the activity the grant supports."
    values["supports"] = data.supports
    if errors:
        raise ValidationError("Please correct the highlighted fields.", errors)
    return values


def create_grant(session: Session, actor: User, data: GrantInput, now: dt.datetime) -> Grant:
    """Record a grant or pledge. Raises PermissionDenied (not the backbone) or ValidationError naming each bad field."""
    if not permissions.can_manage_funding(actor):
        raise PermissionDenied("Only the backbone records grants.")
    grant = Grant(**_check_grant(session, data), created_at=now, updated_at=now, created_by_id=actor.id)
    session.add(grant)
    session.flush()
    audit.record(session, actor, "grant", grant.id, "created", now, grant.funder_organization_id,
                 amount_minor=grant.amount_minor, currency=grant.currency, status=grant.status.value)
    return grant


def update_grant(session: Session, actor: User, grant: Grant, data: GrantInput, now: dt.datetime) -> Grant:
    """Change a grant. Its currency may change only while nothing is spent from it, and its amount never
    below what is spent. Raises PermissionDenied or ValidationError naming each bad field."""
    if not permissions.can_manage_funding(actor):
        raise PermissionDenied("Only the backbone edits grants.")
    values = _check_grant(session, data)
    spent = grant.spent_minor
    if grant.spending and values["currency"] != grant.currency:
        raise ValidationError("Please correct the highlighted fields.",
                              {"currency": f"Spending is recorded in {grant.currency}; the currency cannot change."})
    if values["amount_minor"] < spent:
        raise ValidationError("Please correct the highlighted fields.",
                              {"amount": f"{format_money(spent, grant.currency)} is already spent from this grant."})
    changed = {k: str(v.value if hasattr(v, "value") else v) for k, v in values.items() if getattr(grant, k) != v}
    for key, value in values.items():
        setattr(grant, key, value)
    grant.updated_at = now
    session.flush()
    audit.record(session, actor, "grant", grant.id, "updated", now, grant.funder_organization_id, **changed)
    return grant


def _lock_grant(session: Session, grant: Grant) -> Grant:
    """Re-read the grant under a row lock (PostgreSQL), so two spending entries recorded at the same moment
    cannot both pass the "not more than the grant" check."""
    session.refresh(grant, with_for_update=True)
    return grant


def record_spending(session: Session, actor: User, grant: Grant, spent_on: dt.date | None, amount: str | Decimal,
                    currency: str, purpose: str, note: str, now: dt.datetime) -> GrantSpending:
    """Record money spent from ``grant``, in the grant's currency and at most what remains of it.

    Raises PermissionDenied (not the backbone) or ValidationError naming each bad field: a currency other
    than the grant's, an amount with too many decimals or above what remains, no date, an unknown purpose.
    """
    if not permissions.can_manage_funding(actor):
        raise PermissionDenied("Only the backbone records spending.")
    grant = _lock_grant(session, grant)
    errors: dict[str, str] = {}
    minor = None
    try:
        code = check_currency(currency)
        if code != grant.currency:
            errors["currency"] = f"This grant is in {grant.currency}: record its spending in {grant.currency}."
        else:
            minor = parse_amount(amount, code)
            if minor > grant.remaining_minor:
                errors["amount"] = f"Only {format_money(grant.remaining_minor, grant.currency)} remains of this grant."
    except ValidationError as error:
        errors.update(error.fields)
    if spent_on is None:
        errors["spent_on"] = "Give the day the money was spent."
    try:
        chosen = FundingPurpose(purpose)
    except ValueError:
        errors["purpose"] = "Choose one from the list."
    note = (note or "").strip()
    if len(note) > 500:
        errors["note"] = "Keep the note under 500 characters."
    if errors:
        raise ValidationError("Please correct the highlighted fields.", errors)
    entry = GrantSpending(grant=grant, spent_on=spent_on, amount_minor=minor, currency=grant.currency,
                          purpose=chosen, note=note, created_at=now, created_by_id=actor.id)
    session.add(entry)
    session.flush()
    audit.record(session, actor, "grant", grant.id, "spent", now, grant.funder_organization_id,
                 amount_minor=minor, currency=grant.currency, purpose=chosen.value)
    return entry
