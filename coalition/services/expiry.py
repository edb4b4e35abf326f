"""The periodic sweep: expire what can no longer be rescued, warn about food at risk, open lapsed priorities."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from coalition.models import ClaimStatus, Donation, DonationLine, DonationStatus, NotificationKind, AuditEvent
from coalition.services import audit, notifications
from coalition.services.notifications import Page
from coalition.services.donations import announce_donation, claimed_g_by_line, end_claims


@dataclass(frozen=True)
class SweepResult:
    donations_expired: int
    claims_expired: int
    warnings_sent: int
    priorities_opened: int


def sweep(session: Session, now: dt.datetime, warning_hours: int = 3, notify_radius_km: float = 15) -> SweepResult:
    """Run every periodic marketplace rule once. Safe to run as often as wanted (idempotent)."""
    donations_expired = claims_expired = warnings = opened = 0
    open_donations = session.scalars(
        select(Donation).where(Donation.status == DonationStatus.OPEN)
        .options(selectinload(Donation.lines).selectinload(DonationLine.claims)))
    for donation in open_donations:
        all_past_use_by = all(line.use_by <= now for line in donation.lines)
        if donation.pickup_end <= now or all_past_use_by:
            reason = "Use-by passed" if all_past_use_by else "Pickup window missed"
            donation.status = DonationStatus.EXPIRED
            ended = end_claims(session, donation, ClaimStatus.EXPIRED, reason, now, NotificationKind.EXPIRED)
            audit.record(session, None, "donation", donation.id, "expired", now, donation.donor_id,
                         reason=reason, claims_expired=len(ended))
            donations_expired += 1
            claims_expired += len(ended)
            continue
        if donation.priority_recipient_id is not None and donation.priority_until is not None and donation.priority_until <= now:
            donation.priority_recipient_id = None
            donation.priority_recipient = None
            donation.priority_until = None
            announce_donation(session, donation, now, notify_radius_km)
            audit.record(session, None, "donation", donation.id, "opened_to_all", now, donation.donor_id)
            opened += 1
        warnings += _warn_unclaimed(session, donation, now, warning_hours)
    session.flush()
    return SweepResult(donations_expired, claims_expired, warnings, opened)


def _warn_unclaimed(session: Session, donation: Donation, now: dt.datetime, warning_hours: int) -> int:
    """Tell the donor once when a line nears its use-by with nothing claimed."""
    claimed = claimed_g_by_line(session, [line.id for line in donation.lines])
    sent = 0
    for line in donation.lines:
        if claimed.get(line.id) or line.use_by - now > dt.timedelta(hours=warning_hours):
            continue
        already = session.scalar(select(AuditEvent.id).where(
            AuditEvent.entity == "donation_line", AuditEvent.entity_id == line.id, AuditEvent.action == "use_by_warning"))
        if already:
            continue
        notifications.notify_organization(
            session, donation.donor, NotificationKind.USE_BY_APPROACHING,
            f"Nobody has claimed {line.description} yet",
            f"Its use-by is {line.use_by:%a %H:%M} UTC. The coalition's coordinators can help find a taker.",
            Page("donations.detail", {"donation_id": donation.id}), now)
        audit.record(session, None, "donation_line", line.id, "use_by_warning", now, donation.donor_id)
        sent += 1
    return sent
