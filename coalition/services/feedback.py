"""Feedback on food that moved: a recipient rates the condition of each delivery (1-5 and a note),
a driver (or the recipient that collected it) flags a problem with a donor after a pickup, and the
backbone sees donors and recipient sites with repeated problems.

A problem with a donor is a pickup flag, a rating of 2 or less of its food, or a dispatch stop at
the donor that ended in a problem (not ready, nothing to collect, refused, no access). A recipient
site's problem is a rating of 2 or less of food it received.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from coalition import permissions
from coalition.errors import NotFound, PermissionDenied, ValidationError
from coalition.models import Claim, DeliveryRecord, DonationLine, Organization, User
from coalition.models.feedback import POOR_RATING, DeliveryRating, PickupIssue, PickupProblem
from coalition.models.route_plan import PlanStatus, Route, RoutePlan, Stop, StopKind, StopStatus
from coalition.services import audit

WINDOW_DAYS = 30
REPEATED = 2          # this many problems within WINDOW_DAYS make a donor or site "repeated"
RECENT_DAYS = 30      # deliveries a recipient may still rate
# Flags a re-plan of the rest of the day answers: the food may be ready later, or go to another driver.
REPLAN_ISSUES = (PickupIssue.NOBODY_THERE, PickupIssue.NOT_READY)


@dataclass
class ProblemCount:
    organization: Organization
    pickup_flags: int = 0
    poor_ratings: int = 0
    stop_problems: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.pickup_flags + self.poor_ratings + self.stop_problems


@dataclass
class RepeatedProblems:
    since: dt.datetime
    threshold: int
    donors: list[ProblemCount]
    sites: list[ProblemCount]


def _note(text: str, limit: int = 500) -> str:
    text = (text or "").strip()
    if len(text) > limit:
        raise ValidationError(f"Keep the note under {limit} characters.", {"note": f"At most {limit} characters."})
    return text


# --- ratings -------------------------------------------------------------------------------------

def get_delivery(session: Session, delivery_id) -> DeliveryRecord:
    record = session.get(DeliveryRecord, delivery_id) if isinstance(delivery_id, int) and 0 < delivery_id < 2**31 else None
    if record is None:
        raise NotFound("There is no such delivery.")
    return record


def rate_delivery(session: Session, actor: User, delivery_id: int, rating, note: str, now: dt.datetime) -> DeliveryRating:
    """Record (or change) the receiving organization's rating of a delivery's condition.

    Raises NotFound for an unknown delivery or one received by another organization (its
    existence is not revealed), ValidationError for a rating outside 1-5 or a long note.
    """
    record = get_delivery(session, delivery_id)
    if not permissions.can_rate_delivery(actor, record.recipient):
        raise NotFound("There is no such delivery.")
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError("Rate the food's condition from 1 (poor) to 5 (excellent).", {"rating": "Choose 1 to 5."})
    note = _note(note)
    existing = session.scalar(select(DeliveryRating).where(DeliveryRating.delivery_id == record.id))
    if existing is None:
        existing = DeliveryRating(delivery_id=record.id, donor_id=record.donor_id, recipient_id=record.recipient_id,
                                  created_at=now)
        session.add(existing)
    existing.rating, existing.note, existing.rated_by_id = rating, note, actor.id
    session.flush()
    audit.record(session, actor, "delivery_rating", existing.id, "rated", now, record.recipient_id,
                 delivery_id=record.id, rating=rating, note=note)
    return existing


def list_deliveries_to_rate(session: Session, recipient: Organization, now: dt.datetime,
                            days: int = RECENT_DAYS) -> list[tuple[DeliveryRecord, DeliveryRating | None]]:
    """The recipient's deliveries of the last ``days`` days, newest first, with their rating if any."""
    records = list(session.scalars(
        select(DeliveryRecord).where(DeliveryRecord.recipient_id == recipient.id, DeliveryRecord.outcome == "delivered",
                                     DeliveryRecord.delivered_at >= now - dt.timedelta(days=days),
                                     DeliveryRecord.delivered_at <= now + dt.timedelta(days=1))
        .options(selectinload(DeliveryRecord.donor)).order_by(DeliveryRecord.delivered_at.desc()).limit(50)))
    ratings = {r.delivery_id: r for r in session.scalars(
        select(DeliveryRating).where(DeliveryRating.delivery_id.in_([r.id for r in records])))} if records else {}
    return [(record, ratings.get(record.id)) for record in records]


def ratings_about(session: Session, organization: Organization, now: dt.datetime,
                  days: int = 90) -> list[DeliveryRating]:
    """Ratings of food given by ``organization`` (a donor) or received by it (a recipient), newest first."""
    column = DeliveryRating.donor_id if organization.kind.is_donor else DeliveryRating.recipient_id
    return list(session.scalars(
        select(DeliveryRating).where(column == organization.id, DeliveryRating.created_at >= now - dt.timedelta(days=days))
        .options(selectinload(DeliveryRating.delivery), selectinload(DeliveryRating.donor),
                 selectinload(DeliveryRating.recipient)).order_by(DeliveryRating.created_at.desc())))


# --- pickup problems ---------------------------------------------------------------------------------

def _drove(session: Session, user: User, claim: Claim) -> Stop | None:
    """The pickup stop of ``claim`` on a route this user drove, or None."""
    return session.scalar(select(Stop).join(Route).where(Stop.claim_id == claim.id, Stop.kind == StopKind.PICKUP,
                                                         Route.driver_id == user.id).limit(1))


def flag_pickup_problem(session: Session, actor: User, claim_id, issue: str, note: str, now: dt.datetime) -> PickupProblem:
    """A problem with the donor of ``claim_id``'s food, flagged after its pickup.

    Raises NotFound for an unknown claim or one the actor neither drove nor received,
    ValidationError for an unknown issue or a long note, or when "something else" has no note.
    """
    claim = session.get(Claim, claim_id) if isinstance(claim_id, int) and 0 < claim_id < 2**31 else None
    if claim is None:
        raise NotFound("There is no such pickup.")
    stop = _drove(session, actor, claim)
    if not permissions.can_flag_pickup(actor, claim, drove_it=stop is not None):
        raise NotFound("There is no such pickup.")
    try:
        kind = PickupIssue(issue)
    except ValueError:
        raise ValidationError("Choose what went wrong.", {"issue": "Choose one of the listed problems."}) from None
    note = _note(note)
    if kind is PickupIssue.OTHER and not note:
        raise ValidationError("Say what went wrong.", {"note": "Describe the problem."})
    donor = claim.line.donation.donor
    problem = PickupProblem(donor_id=donor.id, claim_id=claim.id, stop_id=stop.id if stop else None, issue=kind,
                            note=note, reported_by_id=actor.id, created_at=now)
    session.add(problem)
    session.flush()
    audit.record(session, actor, "pickup_problem", problem.id, "flagged", now, donor.id,
                 claim_id=claim.id, issue=kind.value, note=note)
    return problem


def list_my_pickups(session: Session, actor: User, now: dt.datetime, days: int = RECENT_DAYS) -> list[Claim]:
    """Claims the actor collected recently: pickup stops they drove, and their own organizations' claims
    whose food was picked up or delivered. Newest first."""
    since = now - dt.timedelta(days=days)
    driven = set(session.scalars(select(Stop.claim_id).join(Route).where(
        Route.driver_id == actor.id, Stop.kind == StopKind.PICKUP,
        Stop.status.in_((StopStatus.DONE, StopStatus.PROBLEM, StopStatus.ARRIVED)))))
    own = {o.id for o in permissions.recipient_organizations(actor)}
    mine = Claim.id.in_(driven) | (Claim.recipient_id.in_(own) & Claim.picked_up_g.is_not(None))
    return list(session.scalars(
        select(Claim).where(Claim.created_at >= since, mine)
        .options(selectinload(Claim.line).selectinload(DonationLine.donation)).order_by(Claim.created_at.desc()).limit(50)))


def problems_about(session: Session, donor: Organization, now: dt.datetime, days: int = 90) -> list[PickupProblem]:
    return list(session.scalars(select(PickupProblem).where(PickupProblem.donor_id == donor.id,
                                                            PickupProblem.created_at >= now - dt.timedelta(days=days))
                                .order_by(PickupProblem.created_at.desc())))


# --- the backbone's view ---------------------------------------------------------------------------------

def repeated_problems(session: Session, actor: User, now: dt.datetime, days: int = WINDOW_DAYS,
                      threshold: int = REPEATED) -> RepeatedProblems:
    """Donors and recipient sites with at least ``threshold`` problems in the last ``days`` days, most first.
    Raises PermissionDenied unless the actor is the backbone."""
    if not permissions.can_view_repeated_problems(actor):
        raise PermissionDenied("Only the backbone sees problems across the coalition.")
    since = now - dt.timedelta(days=days)
    donors: dict[int, ProblemCount] = {}
    sites: dict[int, ProblemCount] = {}

    def count(table: dict, organization: Organization) -> ProblemCount:
        return table.setdefault(organization.id, ProblemCount(organization))

    for problem in session.scalars(select(PickupProblem).where(PickupProblem.created_at >= since)
                                   .options(selectinload(PickupProblem.donor))):
        row = count(donors, problem.donor)
        row.pickup_flags += 1
        row.notes.append(problem.issue.label + (f": {problem.note}" if problem.note else ""))
    for rating in session.scalars(select(DeliveryRating).where(DeliveryRating.created_at >= since,
                                                               DeliveryRating.rating <= POOR_RATING)
                                  .options(selectinload(DeliveryRating.donor), selectinload(DeliveryRating.recipient))):
        words = f"Rated {rating.rating}/5" + (f": {rating.note}" if rating.note else "")
        for table, organization in ((donors, rating.donor), (sites, rating.recipient)):
            row = count(table, organization)
            row.poor_ratings += 1
            row.notes.append(words)
    flagged = {p.stop_id for p in session.scalars(select(PickupProblem).where(PickupProblem.stop_id.is_not(None)))}
    for stop in session.scalars(select(Stop).where(Stop.kind == StopKind.PICKUP, Stop.status == StopStatus.PROBLEM,
                                                   Stop.completed_at >= since).options(selectinload(Stop.organization))):
        if stop.id in flagged:
            continue  # the driver's own flag already counts it
        row = count(donors, stop.organization)
        row.stop_problems += 1
        row.notes.append(f"Pickup stop: {stop.problem_kind.value.replace('_', ' ') if stop.problem_kind else 'problem'}")

    def ranked(table: dict) -> list[ProblemCount]:
        return sorted((r for r in table.values() if r.total >= threshold), key=lambda r: (-r.total, r.organization.name))

    return RepeatedProblems(since, threshold, ranked(donors), ranked(sites))


def list_replan_flags_on(session: Session, local_date: dt.date) -> list[PickupProblem]:
    """Pickup flags on the day's published routes that a re-plan answers (nobody there, food not ready), newest
    first. Once the day is re-planned the flagged stops are on a superseded plan, and the flags leave the list."""
    query = (select(PickupProblem).join(Stop, PickupProblem.stop_id == Stop.id).join(Route, Stop.route_id == Route.id)
             .join(RoutePlan, Route.plan_id == RoutePlan.id)
             .where(RoutePlan.local_date == local_date, RoutePlan.status == PlanStatus.PUBLISHED,
                    PickupProblem.issue.in_(REPLAN_ISSUES))
             .options(selectinload(PickupProblem.donor)).order_by(PickupProblem.created_at.desc(), PickupProblem.id))
    return list(session.scalars(query))
