"""Matching: the backbone's suggested allocation of all open supply to all open needs.

Two layers. :func:`allocate` is a pure function on plain dataclasses
(:class:`OpenLine`, :class:`OpenNeed`, capacities) that solves a min-cost
flow with OR-Tools; it can be checked by hand. :func:`build_plan` /
:func:`suggest_allocation` read the database into those dataclasses, and
:func:`accept_allocation` turns the rows a coordinator accepts into claims.

The flow network, in grams::

    source ──(kg left)──► line ──(value per kg)──► need ──(kg wanted)──► [cold space of recipient] ──► sink
       └──────────────────────────── bypass (cost 0): supply nobody takes ───────────────────────────────┘

A line-to-need arc exists only when category and storage class match, the
recipient is within ``max_km``, and no other priority partner holds the
line. Its unit cost is minus the arc's value, so the solver takes every arc
worth more than leaving the food unmatched: value per kg = perishability of
the food x urgency of the need - a penalty per km from donor to recipient.
Refrigerated and frozen arcs of one recipient pass through a node whose
capacity is the cold space the recipient says it has free.
"""
from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ortools.graph.python import min_cost_flow
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from coalition import permissions
from coalition.errors import Conflict, NotFound, PermissionDenied, ValidationError
from coalition.models import (
    ACTIVE_CLAIM_STATUSES,
    WEEKDAYS,
    Claim,
    DonationLine,
    FoodCategory,
    Need,
    NeedStatus,
    Organization,
    StorageClass,
    User,
    grams,
)
from coalition.services import claims as claim_service
from coalition.services import donations
from coalition.services.distance import km_between

UTC = dt.timezone.utc
COLD = (StorageClass.REFRIGERATED, StorageClass.FROZEN)
MAX_ROWS = 500


@dataclass(frozen=True)
class Weights:
    """How the solver values a kilogram sent along an arc.

    value per kg = category perishability (1-3) x need urgency (1-3) - ``per_km`` x km.
    ``scale`` turns that value into integer unit costs per gram for OR-Tools.
    """

    per_km: float = 0.05
    max_km: float = 60.0
    unknown_km: float = 30.0   # a site without a location counts as this far
    scale: int = 1000


@dataclass(frozen=True)
class Site:
    id: int
    name: str
    latitude: float | None = None
    longitude: float | None = None
    hours: Mapping | None = None


@dataclass(frozen=True)
class OpenLine:
    """A donation line with kilograms left, as the solver sees it."""

    id: int
    donor: Site
    category: FoodCategory
    storage: StorageClass
    available_g: int
    description: str = ""
    donation_id: int = 0
    pickup_end: dt.datetime | None = None
    use_by: dt.datetime | None = None
    whole_only: bool = False          # the donor does not allow splitting: all of it or nothing
    reserved_for: int | None = None   # a priority partner's organization id, while it holds the first right
    pickup_start: dt.datetime | None = None


@dataclass(frozen=True)
class OpenNeed:
    """A recipient's open need with the kilograms still wanted."""

    id: int
    recipient: Site
    category: FoodCategory
    storage: StorageClass
    wanted_g: int
    needed_by: dt.datetime
    people_expected: int = 0
    delivery_windows: tuple[tuple[dt.datetime, dt.datetime], ...] = ()   # when the recipient takes deliveries


@dataclass(frozen=True)
class Suggestion:
    line: OpenLine
    need: OpenNeed
    grams: int
    distance_km: float | None
    explanation: str
    value: float = 0.0   # the arc's value per kg (perishability x urgency - distance penalty)
    delivery_start: dt.datetime | None = None   # the window a claim gets when accepted
    delivery_end: dt.datetime | None = None

    @property
    def kg(self) -> float:
        return self.grams / 1000

    @property
    def key(self) -> str:
        return f"{self.line.id}-{self.need.id}"


@dataclass(frozen=True)
class Leftover:
    """Supply the plan leaves unmatched, or a need it leaves short, and why."""

    label: str      # "Bagels (Alberta Street Market)" or "Old Town Night Shelter: bakery, ambient"
    grams: int
    reason: str

    @property
    def kg(self) -> float:
        return self.grams / 1000


@dataclass
class Plan:
    """Suggestions with the totals the coordinator weighs them against."""

    suggestions: list[Suggestion]
    supply_g: int          # all open supply, kg left on every line
    wanted_g: int          # all open needs, kg still wanted
    lines: int = 0
    needs: int = 0
    unmatched_supply: list[Leftover] = field(default_factory=list)
    unmet_needs: list[Leftover] = field(default_factory=list)

    @property
    def matched_g(self) -> int:
        return sum(s.grams for s in self.suggestions)

    def grouped(self, by: str) -> list[tuple[Site, list[Suggestion], int]]:
        """Suggestions grouped by donor (``by="donor"``) or recipient, with each group's grams."""
        groups: dict[int, tuple[Site, list[Suggestion]]] = {}
        for s in self.suggestions:
            site = s.line.donor if by == "donor" else s.need.recipient
            groups.setdefault(site.id, (site, []))[1].append(s)
        return sorted(((site, rows, sum(r.grams for r in rows)) for site, rows in groups.values()),
                      key=lambda g: (-g[2], g[0].name))


# --- the pure allocation ----------------------------------------------------

def urgency(needed_by: dt.datetime, now: dt.datetime) -> float:
    """3 when needed now or overdue, 2 a day ahead, 1.5 two days... towards 1 for far-off needs."""
    hours_left = max((needed_by - now).total_seconds() / 3600, 0.0)
    return 1 + 2 / (1 + hours_left / 24)


def _distance(line: OpenLine, need: OpenNeed) -> float | None:
    return km_between(line.donor, need.recipient)


def arc_value(line: OpenLine, need: OpenNeed, now: dt.datetime, weights: Weights) -> float | None:
    """Value per kg of sending this line to this need, or None when the pair may not be matched."""
    if line.category is not need.category or line.storage is not need.storage:
        return None
    if line.reserved_for is not None and line.reserved_for != need.recipient.id:
        return None
    km = _distance(line, need)
    if km is not None and km > weights.max_km:
        return None
    km = weights.unknown_km if km is None else km
    value = line.category.perishability * urgency(need.needed_by, now) - weights.per_km * km
    return value if value > 0 else None


def allocate(lines: Sequence[OpenLine], needs: Sequence[OpenNeed], cold_space_g: Mapping[tuple[int, StorageClass], int],
             now: dt.datetime, weights: Weights = Weights(), tz: dt.tzinfo = UTC) -> list[Suggestion]:
    """Suggest how many grams of each line go to each need.

    ``cold_space_g`` maps (recipient id, REFRIGERATED or FROZEN) to the grams of
    that storage the recipient can still take; a missing key means none.
    Never exceeds a line's grams, a need's grams or a recipient's cold space;
    never pairs different categories or storage classes; respects priority
    reservations. A line the donor wants taken whole is suggested whole to one
    need or not at all. Returns suggestions sorted by donor, line and value.
    """
    excluded: set[int] = set()
    while True:
        flows = _solve(lines, needs, cold_space_g, now, weights, excluded)
        broken = _split_whole_lines(lines, flows)
        if not broken:
            break
        excluded |= broken   # re-solve without them so their needs can take other food
    return _explain(lines, needs, cold_space_g, flows, now, weights, tz)


def _solve(lines, needs, cold_space_g, now, weights, excluded) -> dict[tuple[int, int], int]:
    """Solve the flow; returns grams per (line index, need index)."""
    flow = min_cost_flow.SimpleMinCostFlow()
    source, sink = 0, 1
    # Node numbers: 0 source, 1 sink, then one per line, one per need, one per (recipient, cold storage).
    line_node = {i: 2 + i for i in range(len(lines))}
    need_node = {j: 2 + len(lines) + j for j in range(len(needs))}
    cold_node: dict[tuple[int, StorageClass], int] = {}
    next_node = 2 + len(lines) + len(needs)
    for need in needs:
        key = (need.recipient.id, need.storage)
        if need.storage in COLD and key not in cold_node:
            cold_node[key] = next_node
            next_node += 1

    total = sum(line.available_g for i, line in enumerate(lines) if i not in excluded and line.available_g > 0)
    if total == 0:
        return {}
    arcs: dict[int, tuple[int, int]] = {}
    for i, line in enumerate(lines):
        if i in excluded or line.available_g <= 0:
            continue
        flow.add_arc_with_capacity_and_unit_cost(source, line_node[i], line.available_g, 0)
        for j, need in enumerate(needs):
            if need.wanted_g <= 0:
                continue
            value = arc_value(line, need, now, weights)
            if value is None:
                continue
            capacity = min(line.available_g, need.wanted_g)
            if line.whole_only and line.available_g > need.wanted_g:
                continue  # taken whole only: more than this need wants
            cost = -int(round(value * weights.scale))
            arcs[flow.add_arc_with_capacity_and_unit_cost(line_node[i], need_node[j], capacity, cost)] = (i, j)
    for j, need in enumerate(needs):
        if need.wanted_g <= 0:
            continue
        if need.storage in COLD:
            flow.add_arc_with_capacity_and_unit_cost(need_node[j], cold_node[(need.recipient.id, need.storage)], need.wanted_g, 0)
        else:
            flow.add_arc_with_capacity_and_unit_cost(need_node[j], sink, need.wanted_g, 0)
    for key, node in cold_node.items():
        flow.add_arc_with_capacity_and_unit_cost(node, sink, max(cold_space_g.get(key, 0), 0), 0)
    # Food nobody is suggested for flows straight to the sink at no gain.
    flow.add_arc_with_capacity_and_unit_cost(source, sink, total, 0)
    flow.set_node_supply(source, total)
    flow.set_node_supply(sink, -total)
    status = flow.solve()
    if status != flow.OPTIMAL:  # cannot happen: the bypass arc always carries everything
        raise RuntimeError(f"min-cost flow ended with status {status}")
    result = {}
    for arc, pair in arcs.items():
        if flow.flow(arc) > 0:
            result[pair] = flow.flow(arc)
    return result


def _split_whole_lines(lines, flows) -> set[int]:
    """Indices of take-whole lines that the flow split or took only in part."""
    by_line: dict[int, list[int]] = defaultdict(list)
    for (i, _j), g in flows.items():
        by_line[i].append(g)
    return {i for i, amounts in by_line.items()
            if lines[i].whole_only and (len(amounts) > 1 or amounts[0] != lines[i].available_g)}


def _explain(lines, needs, cold_space_g, flows, now, weights, tz) -> list[Suggestion]:
    suggestions = []
    for (i, j), g in flows.items():
        line, need = lines[i], needs[j]
        rivals = [n for n in needs if n.wanted_g > 0 and arc_value(line, n, now, weights) is not None]
        km = _distance(line, need)
        local_by = need.needed_by.astimezone(tz)
        text = (f"{need.recipient.name} needs {need.wanted_g / 1000:g} kg {need.category.label.lower()} "
                f"by {local_by:%a %H:%M}")
        if len(rivals) > 1 and need.needed_by <= min(n.needed_by for n in rivals):
            text += " (most urgent)"
        if km is None:
            text += ", no location on file"
        else:
            text += f", {km:.1f} km from the donor"
            distances = [d for d in (_distance(line, n) for n in rivals) if d is not None]
            if len(rivals) > 1 and km <= min(distances):
                text += " (nearest)"
        if need.storage in COLD:
            space = cold_space_g.get((need.recipient.id, need.storage), 0)
            text += f"; {need.storage.label.lower()} space {space / 1000:g} kg free"
        if line.reserved_for == need.recipient.id:
            text += f"; the priority partner of {line.donor.name}"
        if need.people_expected:
            text += f"; serves {need.people_expected} people"
        window = (None, None)
        if line.pickup_end is not None:
            window = delivery_window_for(ready_at(line.pickup_start, line.pickup_end), need.delivery_windows,
                                         need.recipient.hours, tz)
            if window[0] > need.needed_by:
                text += "; arrives after the time asked"
        suggestions.append(Suggestion(line, need, g, km, text, arc_value(line, need, now, weights) or 0.0, *window))
    suggestions.sort(key=lambda s: (s.line.donor.name, s.line.id, -s.value, s.need.id))
    return suggestions


def explain_leftovers(lines: Sequence[OpenLine], needs: Sequence[OpenNeed],
                      cold_space_g: Mapping[tuple[int, StorageClass], int], suggestions: Sequence[Suggestion],
                      now: dt.datetime, weights: Weights = Weights()) -> tuple[list[Leftover], list[Leftover]]:
    """Say why supply stays unmatched and needs stay short after :func:`allocate` (largest first)."""
    by_line: dict[int, int] = defaultdict(int)
    by_need: dict[int, int] = defaultdict(int)
    cold_used: dict[tuple[int, StorageClass], int] = defaultdict(int)
    for s in suggestions:
        by_line[s.line.id] += s.grams
        by_need[s.need.id] += s.grams
        if s.need.storage in COLD:
            cold_used[(s.need.recipient.id, s.need.storage)] += s.grams

    def kind(category: FoodCategory, storage: StorageClass) -> str:
        return f"{category.label.lower()} ({storage.label.lower()})"

    def cold_full(need: OpenNeed) -> bool:
        key = (need.recipient.id, need.storage)
        return need.storage in COLD and cold_used[key] >= cold_space_g.get(key, 0)

    supply = []
    for line in lines:
        left = line.available_g - by_line[line.id]
        if left <= 0:
            continue
        same = [n for n in needs if n.category is line.category and n.storage is line.storage and n.wanted_g > 0]
        reachable = [n for n in same if arc_value(line, n, now, weights) is not None]
        open_ = [n for n in reachable if by_need[n.id] < n.wanted_g]
        if not same:
            reason = f"No open need for {kind(line.category, line.storage)}."
        elif line.reserved_for is not None and not reachable:
            reason = "Held for the donor's priority partner, who has no need for it; it opens to all soon."
        elif not reachable:
            reason = f"The needs for it are more than {weights.max_km:g} km away."
        elif not open_:
            reason = "The needs it could meet are met."
        elif all(cold_full(n) for n in open_):
            reason = f"No {line.storage.label.lower()} space left at the recipients that need it."
        elif line.whole_only:
            reason = f"The donor gives it whole only, and no single need takes all {line.available_g / 1000:g} kg."
        else:
            reason = "Other food went to the needs it could meet."
        supply.append(Leftover(f"{line.description} ({line.donor.name})", left, reason))
    short = []
    for need in needs:
        left = need.wanted_g - by_need[need.id]
        if left <= 0:
            continue
        same = [line for line in lines if line.category is need.category and line.storage is need.storage]
        if not same:
            reason = f"No open supply of {kind(need.category, need.storage)}."
        elif cold_full(need):
            reason = f"Its {need.storage.label.lower()} space is full."
        else:
            reason = "Not enough matching supply within reach."
        short.append(Leftover(f"{need.recipient.name}: {kind(need.category, need.storage)}", left, reason))
    return (sorted(supply, key=lambda x: -x.grams), sorted(short, key=lambda x: -x.grams))


def default_delivery_window(ready_at: dt.datetime, hours: Mapping | None, tz: dt.tzinfo,
                            length: dt.timedelta = dt.timedelta(hours=2)) -> tuple[dt.datetime, dt.datetime]:
    """A delivery window after the pickup ends: ``length`` from ``ready_at``, moved into the
    recipient's first opening interval (local hours) that leaves at least 30 minutes.
    Without hours (or none in the coming week) the window starts at ``ready_at``."""
    local = ready_at.astimezone(tz)
    for offset in range(8):
        day = local.date() + dt.timedelta(days=offset)
        for interval in (hours or {}).get(WEEKDAYS[day.weekday()], []):
            try:
                opens = dt.datetime.combine(day, dt.time.fromisoformat(interval[0]), tz)
                closes = dt.datetime.combine(day, dt.time.fromisoformat(interval[1]), tz)
            except (ValueError, IndexError, TypeError):
                continue
            start = max(opens, local)
            if closes - start >= dt.timedelta(minutes=30):
                return start.astimezone(UTC), min(start + length, closes).astimezone(UTC)
    return ready_at, ready_at + length


def ready_at(pickup_start: dt.datetime | None, pickup_end: dt.datetime) -> dt.datetime:
    """When claimed food can be on its way: the end of a short pickup window, two hours into a long one
    (a farm offer open for days)."""
    if pickup_start is None:
        return pickup_end
    return min(pickup_end, pickup_start + dt.timedelta(hours=2))


def delivery_window_for(ready_at: dt.datetime, need_windows: Sequence[tuple[dt.datetime, dt.datetime]],
                        hours: Mapping | None, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """The delivery window for food ready at ``ready_at`` (the pickup's end): the first of the need's own
    delivery windows with at least 30 minutes left after ``ready_at``, else :func:`default_delivery_window`."""
    for start, end in sorted(need_windows):
        start = max(start, ready_at)
        if end - start >= dt.timedelta(minutes=30):
            return start, end
    return default_delivery_window(ready_at, hours, tz)


def parse_windows(raw) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
    """A need's stored ``[{"start": ISO-8601, "end": ISO-8601}]`` as (start, end) pairs; bad entries are skipped."""
    windows = []
    for item in raw or []:
        try:
            start, end = dt.datetime.fromisoformat(item["start"]), dt.datetime.fromisoformat(item["end"])
        except (KeyError, TypeError, ValueError):
            continue
        if start.tzinfo is not None and end.tzinfo is not None and end > start:
            windows.append((start, end))
    return tuple(sorted(windows))


# --- reading the database ---------------------------------------------------

def _site(organization: Organization) -> Site:
    return Site(organization.id, organization.name, organization.latitude, organization.longitude,
                dict(organization.hours or {}))


def _claimed_g_by_need(session: Session, need_ids: list[int]) -> dict[int, tuple[int, ...]]:
    if not need_ids:
        return {}
    rows = session.execute(
        select(Claim.need_id, DonationLine.storage, func.sum(Claim.quantity_g))
        .join(Claim.line)
        .where(Claim.need_id.in_(need_ids), Claim.status.in_(ACTIVE_CLAIM_STATUSES))
        .group_by(Claim.need_id, DonationLine.storage))
    found: dict[int, dict[StorageClass, int]] = defaultdict(dict)
    for need_id, storage, total in rows:
        found[need_id][StorageClass(storage)] = int(total)
    return found


def load_open_needs(session: Session) -> tuple[list[OpenNeed], dict[tuple[int, StorageClass], int]]:
    """Open needs of active recipients with grams still wanted, and each recipient's free cold space.

    A need's grams still wanted are its grams minus the active claims made
    against it. A recipient's free refrigerated (frozen) space is what its
    most recently posted open need states, minus the refrigerated (frozen)
    grams already claimed against its open needs.
    """
    rows = list(session.scalars(
        select(Need).join(Need.recipient)
        .where(Need.status == NeedStatus.OPEN, Organization.active.is_(True))
        .order_by(Need.created_at, Need.id).options(selectinload(Need.recipient))))
    claimed = _claimed_g_by_need(session, [n.id for n in rows])
    stated: dict[tuple[int, StorageClass], int] = {}
    used: dict[tuple[int, StorageClass], int] = defaultdict(int)
    needs = []
    for need in rows:
        if not need.recipient.kind.is_recipient:
            continue
        stated[(need.recipient_id, StorageClass.REFRIGERATED)] = need.refrigerated_free_g   # latest wins
        stated[(need.recipient_id, StorageClass.FROZEN)] = need.frozen_free_g
        for storage, g in claimed.get(need.id, {}).items():
            used[(need.recipient_id, storage)] += g
        wanted = need.quantity_g - sum(claimed.get(need.id, {}).values())
        if wanted > 0:
            needs.append(OpenNeed(need.id, _site(need.recipient), need.category, need.storage, wanted,
                                  need.needed_by, need.people_expected, parse_windows(need.delivery_windows)))
    space = {key: max(g - used.get(key, 0), 0) for key, g in stated.items()}
    return needs, space


def load_open_lines(session: Session, now: dt.datetime) -> list[OpenLine]:
    """Every open, unexpired line with grams left (from donations.list_open_supply)."""
    lines = []
    for item in donations.list_open_supply(session, None, now):
        donation = item.donation
        reserved = (donation.priority_recipient_id
                    if donation.priority_until is not None and now < donation.priority_until else None)
        lines.append(OpenLine(
            item.line.id, _site(donation.donor), item.line.category, item.line.storage, item.remaining_g,
            item.line.description, donation.id, donation.pickup_end, item.line.use_by,
            whole_only=not donation.allow_split, reserved_for=reserved, pickup_start=donation.pickup_start))
    lines.sort(key=lambda line: line.id)
    return lines


def build_plan(session: Session, now: dt.datetime, tz: dt.tzinfo = UTC, weights: Weights = Weights()) -> Plan:
    """The suggested allocation of all open supply to all open needs, with totals."""
    lines = load_open_lines(session, now)
    needs, space = load_open_needs(session)
    suggestions = allocate(lines, needs, space, now, weights, tz)
    unmatched, unmet = explain_leftovers(lines, needs, space, suggestions, now, weights)
    return Plan(suggestions, sum(line.available_g for line in lines), sum(need.wanted_g for need in needs),
                len(lines), len(needs), unmatched, unmet)


def suggest_allocation(session: Session, now: dt.datetime, tz: dt.tzinfo = UTC,
                       weights: Weights = Weights()) -> list[Suggestion]:
    """Suggestions only; see :func:`build_plan` for the totals."""
    return build_plan(session, now, tz, weights).suggestions


# --- accepting --------------------------------------------------------------

@dataclass(frozen=True)
class AcceptRow:
    """A suggestion the coordinator kept: claim ``kg`` of the line for the need's recipient."""

    line_id: int
    need_id: int
    kg: float

    @property
    def key(self) -> str:
        return f"{self.line_id}-{self.need_id}"


@dataclass
class AcceptResult:
    claims: list[Claim] = field(default_factory=list)
    failures: list[tuple[AcceptRow, str]] = field(default_factory=list)


def accept_allocation(session: Session, actor: User, rows: Sequence[AcceptRow], now: dt.datetime,
                      tz: dt.tzinfo = UTC) -> AcceptResult:
    """Claim each accepted row for its need's recipient, on behalf of it, linked to the need.

    Every row is checked first (kg, line and need exist, category and storage
    match): any bad row raises ValidationError (fields ``kg-<line>-<need>``) and
    nothing is claimed. Then each claim runs in its own savepoint: a row that
    meets a Conflict (someone claimed meanwhile, the need was closed) is
    reported in ``failures`` and the others still go through. The delivery
    window is :func:`delivery_window_for` the food's :func:`ready_at` time (the need's own windows first).
    Raises PermissionDenied unless the actor may run matching.
    """
    if not permissions.can_run_matching(actor):
        raise PermissionDenied("Only the backbone's coordinators accept matches.")
    if not rows:
        raise ValidationError("Tick at least one suggestion to accept.", {"rows": "Nothing was ticked."})
    if len(rows) > MAX_ROWS:
        raise ValidationError(f"At most {MAX_ROWS} rows at once.", {"rows": "Too many rows."})
    errors: dict[str, str] = {}
    loaded = []
    for row in rows:
        name = f"kg-{row.key}"
        kg = row.kg
        if isinstance(kg, bool) or not isinstance(kg, (int, float)) or not math.isfinite(kg) or kg <= 0:
            errors[name] = "Give more than 0 kg, or untick the row."
            continue
        if kg > donations.MAX_LINE_KG or grams(kg) == 0:
            errors[name] = f"Give between 0.001 and {donations.MAX_LINE_KG} kg."
            continue
        line, need = session.get(DonationLine, row.line_id), session.get(Need, row.need_id)
        if line is None or need is None:
            errors[name] = "This food or need no longer exists."
        elif line.category is not need.category or line.storage is not need.storage:
            errors[name] = "This food does not match the need's category and storage."
        else:
            loaded.append((row, line, need))
    if errors:
        raise ValidationError("Please correct the highlighted rows; nothing was claimed.", errors)

    result = AcceptResult()
    for row, line, need in loaded:
        label = f"{row.kg:g} kg {line.description} from {line.donation.donor.name} to {need.recipient.name}"
        if need.status is not NeedStatus.OPEN:
            result.failures.append((row, f"{label}: the need is {need.status.value}."))
            continue
        start, end = delivery_window_for(ready_at(line.donation.pickup_start, line.donation.pickup_end),
                                         parse_windows(need.delivery_windows), need.recipient.hours, tz)
        try:
            with session.begin_nested():
                claim = claim_service.claim_line(session, actor, line.id, need.recipient, row.kg, start, end, now,
                                                 need=need)
        except (Conflict, NotFound, ValidationError) as error:
            result.failures.append((row, f"{label}: {error.message}"))
        else:
            result.claims.append(claim)
    session.flush()
    return result
