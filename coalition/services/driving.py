"""The driver's side of a published route: arrive, pick up, deliver, report a problem, and corrections.

Each action is recorded once by :mod:`coalition.services.stop_actions` (the phone's own
``client_action_id``; a replay returns the first result); this module says what each one does.
A delivery records what moved through ``claims.record_movement``, which writes the claim's one
DeliveryRecord (the only source of kg distributed); nothing here writes kg anywhere else.
"""
from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import select
from sqlalchemy.orm import Session

from coalition import permissions
from coalition.errors import Conflict, PermissionDenied, ValidationError
from coalition.models import (
    ClaimStatus,
    DeliveryRecord,
    DriverShift,
    NotificationKind,
    Organization,
    OrganizationKind,
    PlanStatus,
    ProblemKind,
    Route,
    RoutePlan,
    StorageClass,
    Stop,
    StopKind,
    StopStatus,
    User,
    grams,
)
from coalition.services import (
    audit, claim_progress, claims, cold_chain, deliveries, feedback, notifications, stop_actions, units,
)
from coalition.services.notifications import Page
from coalition.services.planning import retime
# Recording an action once lives in stop_actions; these names stay importable from here.
from coalition.services.stop_actions import FINISHED, ActionResult, acting_for, get_stop, stop_state  # noqa: F401

ACTIONS = ("arrived", "picked_up", "delivered", "problem", "flag")
COLD = (StorageClass.REFRIGERATED, StorageClass.FROZEN)
PROBLEM_LABELS = {
    ProblemKind.NOT_READY: "Not ready",
    ProblemKind.NOTHING_TO_COLLECT: "Nothing to collect",
    ProblemKind.REFUSED: "Refused",
    ProblemKind.NO_ACCESS: "No access",
}
# A problem at a pickup that means the food will never come: the claim records a zero with the reason.
NOTHING_MOVES = (ProblemKind.NOTHING_TO_COLLECT, ProblemKind.REFUSED)


class NeedsConfirmation(Conflict):
    """More kg than claimed (or picked up): the driver confirms (``confirm_over``) and sends again."""


# --- reading ------------------------------------------------------------------

def list_driver_routes(session: Session, driver: User, local_date: dt.date) -> list[Route]:
    """The driver's routes of published plans on that local day, by start time."""
    query = (select(Route).join(RoutePlan, Route.plan_id == RoutePlan.id).join(DriverShift, Route.shift_id == DriverShift.id)
             .where(RoutePlan.status == PlanStatus.PUBLISHED, RoutePlan.local_date == local_date, acting_for(driver.id))
             .order_by(Route.start_at, Route.id))
    return list(session.scalars(query))


def was_replanned(session: Session, plan: RoutePlan) -> bool:
    """Whether an earlier published plan of the same day and zone was replaced by this one (drivers are told)."""
    return session.scalar(select(RoutePlan.id).where(
        RoutePlan.local_date == plan.local_date, RoutePlan.zone == plan.zone, RoutePlan.id != plan.id,
        RoutePlan.status == PlanStatus.SUPERSEDED).limit(1)) is not None


def safe_until_of(stop: Stop) -> dt.datetime | None:
    """Until when the stop's food is safe on the road: its own limit, or (a drop-off) that of its pickup."""
    if stop.safe_until is not None:
        return stop.safe_until
    pickup = _pickup_of(stop) if stop.kind is StopKind.DELIVERY else None
    return pickup.safe_until if pickup is not None else None


# --- the four actions -------------------------------------------------------------

def arrive(session, actor, stop_id, client_action_id, performed_at, payload, now) -> ActionResult:
    """The driver is at the stop. Arriving again is harmless; a finished stop is a Conflict."""
    return stop_actions.record(session, actor, stop_id, client_action_id, performed_at, payload, now, "arrived", _arrive)


def pick_up(session, actor, stop_id, client_action_id, performed_at, payload, now) -> ActionResult:
    """Record the kg collected (``payload``: kg, temperature_c for cold food, confirm_over, photo_filename)."""
    return stop_actions.record(session, actor, stop_id, client_action_id, performed_at, payload, now, "picked_up", _pick_up)


def deliver(session, actor, stop_id, client_action_id, performed_at, payload, now) -> ActionResult:
    """Record the kg handed over and who received them (``payload``: kg, receiver_name, confirm_over).

    Records the claim's delivery (and so its DeliveryRecord) exactly once.
    """
    return stop_actions.record(session, actor, stop_id, client_action_id, performed_at, payload, now, "delivered", _deliver)


def report_problem(session, actor, stop_id, client_action_id, performed_at, payload, now) -> ActionResult:
    """Not ready, nothing to collect, refused or no access (``payload``: problem_kind, note)."""
    return stop_actions.record(session, actor, stop_id, client_action_id, performed_at, payload, now, "problem", _problem)


def flag_pickup(session, actor, stop_id, client_action_id, performed_at, payload, now) -> ActionResult:
    """"Problem with this pickup" (``payload``: issue, note): the same flag as the feedback pages, about the
    donor, and the backbone is told. It leaves the stop as it is (the driver may still pick up, or report it
    undone); "nobody there" and "food not ready" offer the backbone a re-plan on the dispatch board; "unsafe"
    on a stop not yet picked up refuses the line, as a warm reading does."""
    return stop_actions.record(session, actor, stop_id, client_action_id, performed_at, payload, now, "flag", _flag)


PERFORM = {"arrived": arrive, "picked_up": pick_up, "delivered": deliver, "problem": report_problem, "flag": flag_pickup}
# The driver's choices on the route screen, as the feedback flag's issues.
FLAG_CHOICES = {"nobody_there": "Nobody there", "not_ready": "Food not ready", "wrong_amount": "Wrong amount",
                "rude_or_unsafe": "Unsafe", "other": "Other"}
UNSAFE = "rude_or_unsafe"      # the flag that refuses the line when the food has not been picked up yet


def perform(session, actor, action, stop_id, client_action_id, performed_at, payload, now) -> ActionResult:
    """Run one of the four actions by name (the offline queue's JSON endpoint)."""
    if action not in PERFORM:
        raise ValidationError("Unknown action.", {"action": f"One of: {', '.join(ACTIONS)}."})
    return PERFORM[action](session, actor, stop_id, client_action_id, performed_at, payload, now)


def _open(stop: Stop) -> None:
    if stop.status in FINISHED:
        raise Conflict(f"This stop is already {stop.status.value}.")


def _kg(payload: dict, field: str = "kg") -> float:
    value = payload.get(field)
    if isinstance(value, str):
        try:
            value = float(value.strip().replace(",", "."))
        except ValueError:
            value = None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValidationError("Give the weight in kg.", {field: "Give 0 or more kg."})
    if grams(value) == 0:
        raise ValidationError("Nothing moved: report a problem and say why.",
                              {field: "A zero needs a reason: use Problem (not ready, nothing to collect, refused...)."})
    return float(value)


def _check_over(payload: dict, kg: float, limit_g: int, what: str) -> None:
    if grams(kg) > limit_g and not _truthy(payload.get("confirm_over")):
        raise NeedsConfirmation(
            f"{units.kg_text(kg)} is more than the {units.weight_text(limit_g)} {what}. Confirm the weight to record it.",
            {"confirm_over": f"Confirm {units.kg_text(kg)} (more than the {units.weight_text(limit_g)} {what})."})


def _truthy(value) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("1", "true", "yes", "on", "y"))


def _arrive(session, actor, stop: Stop, payload, performed_at, now) -> None:
    _open(stop)
    if stop.arrived_at is None:
        stop.arrived_at = performed_at
    stop.status = StopStatus.ARRIVED


def _reading(payload: dict) -> tuple[int, str]:
    """The thermometer's reading (tenths of °C) and the unit it was typed in: ``temperature`` in
    ``temperature_unit`` (the coalition's, set by the page), or an older phone's ``temperature_c``."""
    unit = payload.get("temperature_unit") if payload.get("temperature_unit") in cold_chain.UNITS else "C"
    if payload.get("temperature") in (None, "") and payload.get("temperature_c") not in (None, ""):
        return cold_chain.parse_reading(payload.get("temperature_c"), "C"), unit
    return cold_chain.parse_reading(payload.get("temperature"), unit), unit


def _pick_up(session, actor, stop: Stop, payload, performed_at, now) -> None:
    _open(stop)
    if stop.kind is not StopKind.PICKUP:
        raise Conflict("This is a delivery stop: record a delivery.")
    claim = stop.claim
    errors: dict[str, str] = {}
    kg = reading = None
    unit = "C"
    try:
        kg = _kg(payload)
    except ValidationError as error:
        errors.update(error.fields)
    storage = claim.line.storage
    if storage in COLD:
        try:
            reading, unit = _reading(payload)
        except ValidationError as error:
            errors.update(error.fields)
    if errors:
        raise ValidationError("Please correct the highlighted fields.", errors)
    if reading is not None:
        limits = cold_chain.load_limits(session)
        outcome, reason = cold_chain.pickup_outcome(limits, storage, reading, payload.get("refuse_reason"), unit)
        if outcome == "refused":
            _refuse(session, actor, stop, kg, reading, limits.limit_dc(storage), reason, unit, payload, performed_at)
            return
    _check_over(payload, kg, claim.quantity_g, "claimed")
    stop.actual_g = grams(kg)
    stop.temperature_c = reading / 10 if reading is not None else None
    photo = payload.get("photo_filename")
    if isinstance(photo, str) and photo:
        stop.photo_filename = photo[:100]
    stop.note = str(payload.get("note") or "").strip()[:500]
    stop.arrived_at = stop.arrived_at or performed_at
    stop.completed_at, stop.status = performed_at, StopStatus.DONE
    claims.record_movement(session, actor, claim, kg, None, stop.note, performed_at)
    if reading is not None:
        cold_chain.record_reading(session, actor, claim, stop.id, "pickup", reading,
                                  cold_chain.load_limits(session).limit_dc(storage), "within", "", performed_at)
    claim_progress.tell_picked_up(session, stop, kg, retime.zone_named(payload.get("time_zone")), performed_at)


def _refuse(session, actor, stop: Stop, kg: float, reading: int, limit: int, reason: str, unit: str,
            payload, performed_at) -> None:
    """The driver refuses a cold line at the door after a reading (too warm, or another reason)."""
    label = cold_chain.REASONS[reason]
    text = f"Refused at pickup: {label.lower()} ({cold_chain.format_dc(reading, unit)}, limit {cold_chain.format_dc(limit, unit)})"
    stop.temperature_c = reading / 10
    _refuse_line(session, actor, stop, kg, text, reason, payload, performed_at)
    cold_chain.record_reading(session, actor, stop.claim, stop.id, "pickup", reading, limit, "refused", reason, performed_at)


def _refuse_line(session, actor, stop: Stop, kg: float, text: str, reason: str, payload, performed_at) -> None:
    """Nothing is picked up, the kg are food lost to the cold chain, the line's drop-off leaves the route and
    the rest of the route is re-timed, and the recipient and the backbone are told at once."""
    claim = stop.claim
    note = str(payload.get("note") or "").strip()
    stop.actual_g = grams(kg)
    stop.problem_kind, stop.note = ProblemKind.REFUSED, f"{text}. {note}".strip()[:500]
    stop.arrived_at = stop.arrived_at or performed_at
    stop.completed_at, stop.status = performed_at, StopStatus.PROBLEM
    claims.record_movement(session, actor, claim, 0, None, text, performed_at)
    deliveries.record_cold_chain_loss(session, actor, claim, kg, "refused", reason, performed_at,
                                      route_id=stop.route_id, driver=actor)
    _drop_deliveries(stop, text, performed_at)
    # Its drop-off has left the route: the later stops are re-timed and their recipients told.
    # Times told to partners are the coalition's local time: the driver views put its zone in the payload.
    retime.retime_and_tell(session, stop.route, stop, performed_at, retime.zone_named(payload.get("time_zone")))
    title = f"Not coming: {units.kg_text(kg)} {claim.line.description} refused at {stop.organization.name}"
    notifications.notify_organization(session, claim.recipient, NotificationKind.CANCELLED, title,
                                      f"{text}. Your claim will not be delivered; the driver's route goes on without it.",
                                      Page("claims.detail", {"claim_id": claim.id}), performed_at)
    _tell_backbone(session, title, f"{actor.display_name}: {text}.", performed_at)


def _drop_deliveries(stop: Stop, reason: str, performed_at) -> None:
    """Nothing is on board for this pickup's claim: its drop-offs on this route cannot happen either."""
    for other in stop.route.stops:
        if other.claim_id == stop.claim_id and other.kind is StopKind.DELIVERY and other.status not in FINISHED:
            other.status, other.problem_kind = StopStatus.PROBLEM, ProblemKind.NOTHING_TO_COLLECT
            other.note, other.completed_at = f"Not picked up ({reason}).", performed_at


def _deliver(session, actor, stop: Stop, payload, performed_at, now) -> None:
    _open(stop)
    if stop.kind is not StopKind.DELIVERY:
        raise Conflict("This is a pickup stop: record a pickup.")
    claim = stop.claim
    pickup = _pickup_of(stop)
    if pickup is not None and pickup.status is not StopStatus.DONE:
        raise Conflict(f"Pick this food up first (stop {pickup.position + 1}).")
    errors: dict[str, str] = {}
    kg = None
    try:
        kg = _kg(payload)
    except ValidationError as error:
        errors.update(error.fields)
    receiver = str(payload.get("receiver_name") or "").strip()
    if not receiver:
        errors["receiver_name"] = "Who received the food?"
    reading, unit = None, "C"
    if claim.line.storage in COLD:
        try:
            reading, unit = _reading(payload)
        except ValidationError as error:
            errors.update(error.fields)
    if errors:
        raise ValidationError("Please correct the highlighted fields.", errors)
    if claim.picked_up_g is not None:
        _check_over(payload, kg, claim.picked_up_g, "picked up")
    else:
        _check_over(payload, kg, claim.quantity_g, "claimed")
    if reading is not None:
        limits = cold_chain.load_limits(session)
        limit = limits.limit_dc(claim.line.storage)
        outcome = cold_chain.delivery_outcome(limits, claim.line.storage, reading, payload.get("cold_decision"), unit)
        stop.temperature_c = reading / 10
        if outcome == "discarded":
            _discard(session, actor, stop, kg, reading, limit, receiver, unit, payload, performed_at)
            return
    stop.actual_g, stop.receiver_name = grams(kg), receiver[:120]
    stop.note = str(payload.get("note") or "").strip()[:500]
    stop.arrived_at = stop.arrived_at or performed_at
    stop.completed_at, stop.status = performed_at, StopStatus.DONE
    # The claim's one DeliveryRecord is written here, through record_movement, and nowhere else.
    picked = None if claim.picked_up_g is not None else kg
    claims.record_movement(session, actor, claim, picked, kg, stop.note, performed_at,
                           route_id=stop.route_id, driver=actor)
    if reading is not None:
        cold_chain.record_reading(session, actor, claim, stop.id, "delivery", reading, limit, outcome, "", performed_at)
    claim_progress.tell_delivered(session, stop, kg, stop.receiver_name, performed_at)


def _discard(session, actor, stop: Stop, kg: float, reading: int, limit: int, receiver: str, unit: str,
             payload, performed_at) -> None:
    """Recipient and driver discard a line that arrived too warm: nothing is distributed, the kg are food
    lost to the cold chain, and the backbone is told."""
    claim = stop.claim
    reason = payload.get("refuse_reason") if payload.get("refuse_reason") in cold_chain.REASONS else "too_warm"
    text = (f"Discarded on arrival: {cold_chain.REASONS[reason].lower()} ({cold_chain.format_dc(reading, unit)}, "
            f"limit {cold_chain.format_dc(limit, unit)})")
    stop.actual_g, stop.receiver_name = 0, receiver[:120]
    stop.note = f"{text}. {str(payload.get('note') or '').strip()}".strip()[:500]
    stop.arrived_at = stop.arrived_at or performed_at
    stop.completed_at, stop.status = performed_at, StopStatus.DONE
    picked = None if claim.picked_up_g is not None else kg
    claims.record_movement(session, actor, claim, picked, 0, text, performed_at, route_id=stop.route_id, driver=actor)
    deliveries.record_cold_chain_loss(session, actor, claim, kg, "discarded", reason, performed_at,
                                      route_id=stop.route_id, driver=actor)
    cold_chain.record_reading(session, actor, claim, stop.id, "delivery", reading, limit, "discarded", reason, performed_at)
    _tell_backbone(session, f"Discarded at {stop.organization.name}: {units.kg_text(kg)} {claim.line.description}",
                   f"{actor.display_name}, received by {receiver}: {text}.", performed_at)


def _problem(session, actor, stop: Stop, payload, performed_at, now) -> None:
    _open(stop)
    try:
        kind = ProblemKind(payload.get("problem_kind"))
    except ValueError:
        raise ValidationError("What went wrong?", {"problem_kind": "Choose what went wrong."}) from None
    note = str(payload.get("note") or "").strip()[:500]
    stop.problem_kind, stop.note = kind, note
    stop.arrived_at = stop.arrived_at or performed_at
    stop.completed_at, stop.status = performed_at, StopStatus.PROBLEM
    reason = f"{PROBLEM_LABELS[kind]}{': ' + note if note else ''}"
    claim = stop.claim
    _tell_backbone(session, f"Problem at {stop.organization.name}: {PROBLEM_LABELS[kind].lower()}",
                   f"{actor.display_name}, {units.weight_text(claim.quantity_g)} {claim.line.description}. {note}".strip(),
                   performed_at)
    # The partners hear the fixed label only: the driver's note may name a door code or a private address.
    claim_progress.tell_problem(session, claim, f"{PROBLEM_LABELS[kind]} at the {stop.kind.value}", performed_at)
    if stop.kind is StopKind.PICKUP and kind in NOTHING_MOVES and claim.status in (ClaimStatus.CLAIMED, ClaimStatus.SCHEDULED):
        claims.record_movement(session, actor, claim, 0, None, reason, performed_at)
    if stop.kind is StopKind.PICKUP:
        _drop_deliveries(stop, reason, performed_at)


def _flag(session, actor, stop: Stop, payload, performed_at, now) -> None:
    if stop.kind is not StopKind.PICKUP:
        raise Conflict("Flag a problem with a pickup from its pickup stop.")
    issue = payload.get("issue")
    if issue not in FLAG_CHOICES:
        raise ValidationError("What went wrong?", {"issue": "Choose what went wrong."})
    problem = feedback.flag_pickup_problem(session, actor, stop.claim_id, issue, str(payload.get("note") or ""),
                                           performed_at)
    problem.stop_id = stop.id      # this visit, not an earlier plan's copy of it
    if issue == UNSAFE and stop.status not in FINISHED:
        # Unsafe food is not taken: the line is refused as a warm reading refuses it (no reading to log).
        _refuse_line(session, actor, stop, stop.claim.quantity_g / 1000, "Refused at pickup: unsafe", "other",
                     payload, performed_at)
        return
    offer = " Re-plan the rest of the day from the dispatch board." if problem.issue in feedback.REPLAN_ISSUES else ""
    _tell_backbone(session, f"Pickup problem at {stop.organization.name}: {FLAG_CHOICES[issue].lower()}",
                   f"{actor.display_name}. {problem.note}".strip() + offer, performed_at)


def _tell_backbone(session: Session, title: str, body: str, now: dt.datetime) -> None:
    for organization in session.scalars(select(Organization).where(Organization.kind == OrganizationKind.BACKBONE)):
        notifications.notify_organization(session, organization, NotificationKind.CANCELLED, title, body,
                                          Page("driver.board"), now)


def list_problems_on(session: Session, local_date: dt.date) -> list[Stop]:
    """Stops of the day's published plans where the driver reported a problem (the backbone follows up)."""
    query = (select(Stop).join(Route, Stop.route_id == Route.id).join(RoutePlan, Route.plan_id == RoutePlan.id)
             .where(RoutePlan.local_date == local_date, RoutePlan.status == PlanStatus.PUBLISHED,
                    Stop.status == StopStatus.PROBLEM)
             .order_by(Stop.completed_at.desc(), Stop.id))
    return list(session.scalars(query))


def _pickup_of(stop: Stop) -> Stop | None:
    for other in stop.route.stops:
        if other.claim_id == stop.claim_id and other.kind is StopKind.PICKUP:
            return other
    return None


# --- corrections after the fact --------------------------------------------------------

def correct_delivery(session: Session, actor: User, stop_id, kg, reason: str, now: dt.datetime) -> Stop:
    """A backbone coordinator fixes the kg of a delivered stop; the claim and its DeliveryRecord follow.

    Audited with the old and new weights and the reason. Raises PermissionDenied,
    NotFound, Conflict (not a delivered stop) and ValidationError.
    """
    if not permissions.can_dispatch(actor):
        raise PermissionDenied("Only the backbone's coordinators correct deliveries.")
    stop = get_stop(session, stop_id)
    if stop.kind is not StopKind.DELIVERY or stop.status is not StopStatus.DONE:
        raise Conflict("Only a delivered stop can be corrected.")
    errors: dict[str, str] = {}
    new_kg = None
    try:
        new_kg = _kg({"kg": kg})
    except ValidationError as error:
        errors.update(error.fields)
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = "Say why the weight changes."
    if errors:
        raise ValidationError("Please correct the highlighted fields.", errors)
    claim = stop.claim
    record = session.scalar(select(DeliveryRecord).where(DeliveryRecord.claim_id == claim.id))
    old_g = stop.actual_g
    stop.actual_g = claim.delivered_g = grams(new_kg)
    if claim.picked_up_g is not None and claim.picked_up_g < stop.actual_g:
        claim.picked_up_g = stop.actual_g
    if record is not None:
        record.quantity_g = stop.actual_g
        record.picked_up_g = max(record.picked_up_g, stop.actual_g)
    audit.record(session, actor, "stop", stop.id, "corrected", now, stop.organization_id,
                 from_kg=(old_g or 0) / 1000, to_kg=new_kg, reason=reason[:300])
    if record is not None:
        audit.record(session, actor, "delivery", record.id, "corrected", now, claim.recipient_id,
                     from_kg=(old_g or 0) / 1000, to_kg=new_kg, reason=reason[:300], stop_id=stop.id)
    session.flush()
    return stop


def list_deliveries_on(session: Session, local_date: dt.date) -> list[Stop]:
    """Delivered stops of the day's published plans (the backbone corrects a weight from here)."""
    query = (select(Stop).join(Route, Stop.route_id == Route.id).join(RoutePlan, Route.plan_id == RoutePlan.id)
             .where(RoutePlan.local_date == local_date, RoutePlan.status == PlanStatus.PUBLISHED,
                    Stop.kind == StopKind.DELIVERY, Stop.status == StopStatus.DONE)
             .order_by(Stop.completed_at.desc(), Stop.id))
    return list(session.scalars(query))
