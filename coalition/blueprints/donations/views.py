"""Donor pages: my donations, posting in three screens, the donation page, recurring pickups, partners."""
from __future__ import annotations

import datetime as dt
import re
import secrets

from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask import session as browser_session
from flask_login import current_user

from coalition import permissions
from coalition.blueprints.donations import bp
from coalition.blueprints.donations.forms import (
    ButtonForm,
    CancelForm,
    DonationForm,
    LINE_SLOTS,
    PartnersForm,
    RepostForm,
    ScheduleForm,
)
from coalition.blueprints.local_time import local_zone, to_utc
from coalition.blueprints import transaction
from coalition.errors import NotFound, PermissionDenied, ValidationError
from coalition.blueprints.cold_chain_context import cold_chain_context
from coalition.extensions import db
from coalition.ids import parse_id
from coalition.models import Donation, DonationKind, FoodCategory, Organization, OrganizationKind
from coalition.models.base import utcnow
from coalition.permissions import authorize, login_required, requires
from coalition.services import audit, cold_chain_records, donations, organizations, photos, recurring
from wtforms.fields.choices import SelectChoice

PHOTO_KEY = "donation_photo"      # the photo uploaded on screen 2, waiting for "Post"
POSTED_KEY = "donation_drafts"    # draft id -> donation id of the last few posts: a resent "Post" posts nothing twice
STEPS = ("lines", "pickup", "review")
_LINE_KEY = re.compile(r"^lines-(\d+)-(\w+)$")
# The services name the produce availability period like any window; the form calls it from/until.
_FIELD_ALIASES = {"available_start": "available_from", "available_end": "available_until"}


# --- helpers ------------------------------------------------------------------

def _donor_from(raw_id) -> Organization:
    """The grocery or farm chosen with ``?org=`` (or the form), among those the person acts for."""
    choices = permissions.donor_organizations(current_user)
    if raw_id not in (None, ""):
        for organization in choices:
            if str(organization.id) == str(raw_id):
                return organization
        raise PermissionDenied("You cannot act for that organization.")
    if not choices:
        raise PermissionDenied("You do not act for a grocery or farm.")
    return choices[0]


def _kind_for(donor: Organization) -> DonationKind:
    return DonationKind.PRODUCE if donor.kind is OrganizationKind.FARM else DonationKind.SURPLUS


def _local_now() -> dt.datetime:
    return utcnow().astimezone(local_zone())


def _soon(minutes: int = 30) -> dt.datetime:
    """``minutes`` from now in local time, rounded up to the next 5 minutes."""
    value = _local_now().replace(second=0, microsecond=0) + dt.timedelta(minutes=minutes)
    return value + dt.timedelta(minutes=-value.minute % 5)


def _at(days: int, hour: int) -> dt.datetime:
    day = _local_now().date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=local_zone())


def time_left(delta: dt.timedelta) -> str:
    """'3 h 20 min left' / 'passed', for use-by and pickup deadlines."""
    seconds = int(delta.total_seconds())
    if seconds <= 0:
        return "passed"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h left"
    if hours:
        return f"{hours} h {minutes} min left"
    return f"{minutes} min left"


def _load(donation_id: int) -> Donation:
    donation = donations.get_donation(db.session, donation_id)
    if not permissions.can_view_donation(current_user, donation):
        raise NotFound("There is no such donation.")   # as for an unknown id: existence is not told
    return donation


def _place_errors(form, fields: dict[str, str], slots: list[int]) -> None:
    """Put a service's field errors beside the form's fields; line indexes map back to the slots used."""
    for key, message in fields.items():
        key = _FIELD_ALIASES.get(key, key)
        target = None
        match = _LINE_KEY.match(key)
        if match:
            index, name = int(match.group(1)), match.group(2)
            if index < len(slots) and name in form.lines[slots[index]].form:
                target = form.lines[slots[index]].form[name]
        elif key in form and key != "lines":
            target = form[key]
        if target is None:
            form.form_errors.append(message)
        elif not target.errors:   # a parse error already there says it better
            target.errors = [message]


# --- my donations -----------------------------------------------------------------

@bp.route("/")
@requires(permissions.can_post_any_donation)
def index():
    donor = _donor_from(request.args.get("org"))
    now = utcnow()
    everything = donations.list_donations_of(db.session, donor, include_closed=True)
    current = sorted((d for d in everything if d.is_open and d.pickup_end > now), key=lambda d: d.pickup_start)
    open_ids = {d.id for d in current}
    past = [d for d in everything if d.id not in open_ids][:50]
    claimed = donations.claimed_g_by_line(db.session, [line.id for d in everything for line in d.lines])
    return render_template("donations/index.html", donor=donor, current=current, past=past, claimed=claimed,
                           donors=permissions.donor_organizations(current_user), kind=_kind_for(donor), now=now)


# --- posting: three screens -----------------------------------------------------------

def _fill_defaults(form: DonationForm, kind: DonationKind) -> None:
    produce = kind is DonationKind.PRODUCE
    for entry in form.lines:
        line = entry.form
        line.category.data = "produce" if produce else "bakery"
        line.storage.data = "refrigerated" if produce else "ambient"
        line.use_by.data = _at(7, 12) if produce else _at(1, 12)
    if produce:
        form.pickup_start.data = _at(1, 8)
        form.pickup_end.data = _at(1, 12)
        form.available_from.data = _soon(0)
        form.available_until.data = _at(7, 18)
    else:
        form.pickup_start.data = _soon(30)
        form.pickup_end.data = form.pickup_start.data + dt.timedelta(hours=2)
    form.allow_split.data = True


def _used_slots(form: DonationForm) -> list[int]:
    return [index for index, entry in enumerate(form.lines) if not entry.form.is_blank()]


def _input_from(form: DonationForm, kind: DonationKind, slots: list[int], with_window: bool = True
                ) -> donations.DonationInput:
    produce = kind is DonationKind.PRODUCE
    lines = []
    for index in slots:
        line = form.lines[index].form
        lines.append(donations.LineInput(
            category=FoodCategory.PRODUCE.value if produce else line.category.data,
            description=line.description.data or "", storage=line.storage.data, use_by=to_utc(line.use_by.data),
            kg=line.kg.data, units=line.units.data, pack_type=(line.pack_type.data or "") if produce else ""))
    return donations.DonationInput(
        lines=lines,
        pickup_start=to_utc(form.pickup_start.data) if with_window else None,
        pickup_end=to_utc(form.pickup_end.data) if with_window else None,
        notes=form.notes.data or "", allow_split=bool(form.allow_split.data), kind=kind,
        available_from=to_utc(form.available_from.data) if produce and with_window else None,
        available_until=to_utc(form.available_until.data) if produce and with_window else None,
    )


def _check(form: DonationForm, donor: Organization, kind: DonationKind, slots: list[int], lines_only: bool) -> bool:
    """Run the service's validation and place its errors; True when the screens checked so far are fine."""
    try:
        donations.build_donation(donor, _input_from(form, kind, slots, with_window=not lines_only), utcnow())
    except ValidationError as error:
        fields = {k: v for k, v in error.fields.items() if k.startswith("lines")} if lines_only else error.fields
        _place_errors(form, fields, slots)
    return not _has_errors(form, "lines") and (lines_only or not _has_errors(form, "pickup"))


def _has_errors(form: DonationForm, step: str) -> bool:
    if step == "lines":
        return any(entry.errors for entry in form.lines) or bool(form.form_errors)
    return any(form[name].errors for name in ("pickup_start", "pickup_end", "available_from", "available_until",
                                              "notes", "allow_split", "photo"))


def _first_step_with_errors(form: DonationForm) -> str:
    return "lines" if _has_errors(form, "lines") else "pickup"


def _pending_photo() -> str | None:
    name = browser_session.get(PHOTO_KEY)
    if not name:
        return None
    try:
        photos.photo_path(current_app.config["UPLOAD_FOLDER"], name)
    except NotFound:
        return None
    return name


def _posting_page(form: DonationForm, donor: Organization, kind: DonationKind, step: str, status: int = 200):
    form.step.data = step
    used = _used_slots(form)
    with_errors = [index for index, entry in enumerate(form.lines) if entry.errors]
    try:
        shown = int(form.shown_lines.data or 1)
    except ValueError:
        shown = 1
    shown = max(1, min(LINE_SLOTS, max([shown, *(i + 1 for i in used), *(i + 1 for i in with_errors)])))
    form.shown_lines.data = str(shown)
    return render_template(
        "donations/new.html", form=form, donor=donor, kind=kind, step=step, step_number=STEPS.index(step) + 1,
        shown=shown, used=used, produce=kind is DonationKind.PRODUCE, photo=_pending_photo(),
        donors=permissions.donor_organizations(current_user), categories={c.value: c.label for c in FoodCategory},
    ), status


@bp.route("/new", methods=["GET", "POST"])
@requires(permissions.can_post_any_donation)
def new():
    """Post surplus (or offer produce) in three screens: the food, the pickup, then review and post."""
    form = DonationForm()
    donor = _donor_from(form.donor_id.data if form.is_submitted() else request.args.get("org"))
    authorize(permissions.can_post_donation(current_user, donor))
    kind = _kind_for(donor)
    if not form.is_submitted():
        return _start_posting(form, donor, kind)

    step = form.step.data if form.step.data in STEPS else "lines"
    action = request.form.get("action", "next")
    parsed = form.validate()    # CSRF and parse errors (a kg that is not a number, a garbled date)
    if form.csrf_token.errors:
        form.form_errors.append("This form has expired. Please check and send it again.")
        return _posting_page(form, donor, kind, "lines", 400)
    slots = _used_slots(form)
    if step == "lines":
        return _lines_step(form, donor, kind, slots, action)
    if action == "back":
        return _posting_page(form, donor, kind, "lines" if step == "pickup" else "pickup")
    if step == "pickup":
        return _pickup_step(form, donor, kind, slots)
    return _post(form, donor, kind, slots, parsed)   # step == "review", action == "post"


def _start_posting(form: DonationForm, donor: Organization, kind: DonationKind):
    """Screen 1, fresh: the defaults, a new draft id (a resent "Post" posts nothing twice), no photo waiting."""
    _fill_defaults(form, kind)
    form.donor_id.data = str(donor.id)
    form.draft.data = secrets.token_urlsafe(12)
    browser_session.pop(PHOTO_KEY, None)
    return _posting_page(form, donor, kind, "lines")


def _lines_step(form: DonationForm, donor: Organization, kind: DonationKind, slots: list[int], action: str):
    """Screen 1 sent: one more line, or the lines checked and on to the pickup."""
    if action == "add_line":
        shown = form.shown_lines.data or "1"
        form.shown_lines.data = str(min(int(shown), LINE_SLOTS - 1) + 1) if shown.isascii() and shown.isdigit() and len(shown) < 4 else "2"
        return _posting_page(form, donor, kind, "lines")
    if not _check(form, donor, kind, slots, lines_only=True):
        return _posting_page(form, donor, kind, "lines", 422)
    return _posting_page(form, donor, kind, "pickup")


def _pickup_step(form: DonationForm, donor: Organization, kind: DonationKind, slots: list[int]):
    """Screen 2 sent: keep the photo (if any) for "Post", check everything, on to the review."""
    upload = form.photo.data
    if upload is not None and getattr(upload, "filename", ""):
        max_bytes = current_app.config["MAX_PHOTO_BYTES"]
        try:
            name = photos.store_photo(upload.read(max_bytes + 1), current_app.config["UPLOAD_FOLDER"], max_bytes)
        except ValidationError as error:
            form.photo.errors = [error.fields.get("photo", error.message)]
        else:
            replaced = browser_session.get(PHOTO_KEY)
            if replaced:
                photos.discard_photo(current_app.config["UPLOAD_FOLDER"], replaced)
            browser_session[PHOTO_KEY] = name
    if not _check(form, donor, kind, slots, lines_only=False):
        return _posting_page(form, donor, kind, _first_step_with_errors(form), 422)
    return _posting_page(form, donor, kind, "review")


def _post(form: DonationForm, donor: Organization, kind: DonationKind, slots: list[int], parsed: bool):
    """Screen 3 sent: post the donation and its waiting photo through the write boundary, once per draft."""
    already = browser_session.get(POSTED_KEY, {}).get(form.draft.data or "")
    if already:
        flash("This was already posted; here it is.", "success")
        return redirect(url_for("donations.detail", donation_id=already))
    if not parsed:
        return _posting_page(form, donor, kind, _first_step_with_errors(form), 422)
    now = utcnow()
    photo = _pending_photo()
    with transaction.write() as outcome:
        donation = donations.post_donation(
            db.session, current_user, donor, _input_from(form, kind, slots), now,
            priority_minutes=current_app.config["PRIORITY_CLAIM_MINUTES"],
            notify_radius_km=current_app.config["NOTIFY_RADIUS_KM"])
        if photo:
            photos.attach_photo(db.session, current_user, donation, photo, now)
    if outcome.failed:
        _place_errors(form, outcome.error.fields, slots)
        if not outcome.error.fields:
            form.form_errors.append(outcome.error.message)
        return _posting_page(form, donor, kind, _first_step_with_errors(form), outcome.status)
    browser_session.pop(PHOTO_KEY, None)
    if form.draft.data:
        posted = dict(list(browser_session.get(POSTED_KEY, {}).items())[-4:])
        posted[form.draft.data] = donation.id
        browser_session[POSTED_KEY] = posted
    what = "offer" if kind is DonationKind.PRODUCE else "donation"
    if donation.priority_recipient is not None:
        flash(f"Your {what} is posted. {donation.priority_recipient.name} has the first right to claim it for "
              f"{current_app.config['PRIORITY_CLAIM_MINUTES']} minutes; then every matching recipient nearby can.",
              "success")
    else:
        flash(f"Your {what} is posted. Recipients nearby whose needs match have been told.", "success")
    return redirect(url_for("donations.detail", donation_id=donation.id))


# --- one donation ---------------------------------------------------------------------

def _detail_page(donation: Donation, repost_form: RepostForm | None = None, cancel_form: CancelForm | None = None,
                 status: int = 200):
    now = utcnow()
    can_manage = permissions.can_manage_donation(current_user, donation)
    if repost_form is None:
        repost_form = RepostForm(formdata=None)
        repost_form.pickup_start.data = _soon(30)
        repost_form.pickup_end.data = repost_form.pickup_start.data + (donation.pickup_end - donation.pickup_start)
    claimed = donations.claimed_g_by_line(db.session, [line.id for line in donation.lines])
    claims = [claim for line in donation.lines for claim in line.claims
              if permissions.can_view_claim(current_user, claim)]
    return render_template(
        "donations/detail.html", donation=donation, claimed=claimed, claims=claims, now=now,
        events=audit.list_events(db.session, "donation", donation.id), can_manage=can_manage,
        can_claim=donation.is_open and donation.pickup_end > now and permissions.can_browse_supply(current_user),
        reserved=_reserved_for_others(donation, now),
        repost_form=repost_form, cancel_form=cancel_form or CancelForm(formdata=None), button_form=ButtonForm(),
        time_left=time_left, produce=donation.kind is DonationKind.PRODUCE,
        can_repost=permissions.can_post_donation(current_user, donation.donor),
        cold_records=cold_chain_records.claim_records(db.session, claims), cc=cold_chain_context(),
    ), status


def _reserved_for_others(donation: Donation, now: dt.datetime) -> bool:
    """True when a priority partner other than every recipient this person acts for holds the first right."""
    if permissions.is_backbone_staff(current_user):
        return False
    own = permissions.recipient_organizations(current_user)
    return bool(own) and all(donations.reserved_for_other(donation, recipient.id, now) for recipient in own)


@bp.route("/<int:donation_id>")
@login_required
def detail(donation_id: int):
    return _detail_page(_load(donation_id))


@bp.route("/<int:donation_id>/photo")
@login_required
def photo(donation_id: int):
    donation = _load(donation_id)
    if not donation.photo_filename:
        raise NotFound("This donation has no photo.")
    path = photos.photo_path(current_app.config["UPLOAD_FOLDER"], donation.photo_filename)
    response = send_file(path, max_age=0)
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/<int:donation_id>/cancel", methods=["POST"])
@login_required
def cancel(donation_id: int):
    donation = _load(donation_id)
    authorize(permissions.can_manage_donation(current_user, donation))
    form = CancelForm()
    if not form.validate():
        return _detail_page(donation, cancel_form=form, status=422)
    with transaction.write(form) as outcome:
        ended = donations.cancel_donation(db.session, current_user, donation, form.reason.data, utcnow())
    if outcome.failed:
        return _detail_page(donation, cancel_form=form, status=outcome.status)
    told = {claim.recipient.name for claim in ended}
    flash("Cancelled." + (f" Told {', '.join(sorted(told))}, who had claimed it." if told else ""), "success")
    return redirect(url_for("donations.detail", donation_id=donation.id))


@bp.route("/<int:donation_id>/repost", methods=["POST"])
@login_required
def repost(donation_id: int):
    original = _load(donation_id)
    # Posting again is posting: the donor's own people, not the backbone.
    authorize(permissions.can_post_donation(current_user, original.donor))
    form = RepostForm()
    if not form.validate():
        return _detail_page(original, repost_form=form, status=422)
    with transaction.write(form) as outcome:
        donation = donations.repost_donation(
            db.session, current_user, original, to_utc(form.pickup_start.data), to_utc(form.pickup_end.data),
            utcnow(), priority_minutes=current_app.config["PRIORITY_CLAIM_MINUTES"])
    if outcome.failed:
        return _detail_page(original, repost_form=form, status=outcome.status)
    flash("Posted again with the new pickup window.", "success")
    return redirect(url_for("donations.detail", donation_id=donation.id))


@bp.route("/<int:donation_id>/skip", methods=["POST"])
@login_required
def skip(donation_id: int):
    donation = _load(donation_id)
    authorize(permissions.can_manage_donation(current_user, donation))
    if not ButtonForm().validate():
        raise ValidationError("This form has expired. Reload the page and try again.")
    with transaction.committed():
        recurring.skip_occurrence(db.session, current_user, donation, utcnow())
    flash("This pickup is skipped; the others of the schedule stay as they are.", "success")
    return redirect(url_for("donations.detail", donation_id=donation.id))


# --- recurring pickups ------------------------------------------------------------------

def _schedules_page(donor: Organization, form: ScheduleForm | None = None, status: int = 200,
                    template: str = "donations/schedules.html"):
    now = utcnow()
    schedules = recurring.list_schedules(db.session, donor)
    return render_template(
        template, donor=donor, form=form, kind=_kind_for(donor), button_form=ButtonForm(),
        schedules=[(s, recurring.list_upcoming(db.session, s, now)) for s in schedules],
        donors=permissions.donor_organizations(current_user), produce=_kind_for(donor) is DonationKind.PRODUCE,
    ), status


@bp.route("/schedules")
@requires(permissions.can_post_any_donation)
def schedules():
    return _schedules_page(_donor_from(request.args.get("org")))


@bp.route("/schedules/new", methods=["GET", "POST"])
@requires(permissions.can_post_any_donation)
def new_schedule():
    form = ScheduleForm()
    donor = _donor_from(form.donor_id.data if form.is_submitted() else request.args.get("org"))
    kind = _kind_for(donor)
    produce = kind is DonationKind.PRODUCE
    if not form.is_submitted():
        form.donor_id.data = str(donor.id)
        form.pickup_time.data = dt.time(8 if produce else 21, 0)
        form.pickup_minutes.data = 240 if produce else 60
        form.starts_on.data = _local_now().date()
        for entry in form.lines:
            entry.form.category.data = "produce" if produce else "bakery"
            entry.form.storage.data = "refrigerated" if produce else "ambient"
            entry.form.shelf_life_h.data = 72 if produce else 24
        return _schedules_page(donor, form, template="donations/schedule_form.html")
    parsed = form.validate()
    slots = [index for index, entry in enumerate(form.lines) if not entry.form.is_blank()]
    data = recurring.ScheduleInput(
        weekdays=list(form.weekdays.data or []),
        pickup_time=form.pickup_time.data.strftime("%H:%M") if form.pickup_time.data else "",
        pickup_minutes=form.pickup_minutes.data,
        lines=[recurring.TemplateLine(
            category="produce" if produce else form.lines[i].form.category.data,
            description=form.lines[i].form.description.data or "", storage=form.lines[i].form.storage.data,
            kg=form.lines[i].form.kg.data, shelf_life_h=form.lines[i].form.shelf_life_h.data,
            pack_type=(form.lines[i].form.pack_type.data or "") if produce else "") for i in slots],
        starts_on=form.starts_on.data, ends_on=form.ends_on.data, notes=form.notes.data or "",
        allow_split=bool(form.allow_split.data), kind=kind)
    if not parsed:
        return _schedules_page(donor, form, status=422, template="donations/schedule_form.html")
    with transaction.write() as outcome:
        schedule = recurring.create_schedule(db.session, current_user, donor, data, utcnow(),
                                             current_app.config["COALITION_TIMEZONE"])
    if outcome.failed:
        _place_errors(form, outcome.error.fields, slots)
        if not outcome.error.fields and not any(f.errors for f in form):
            form.form_errors.append(outcome.error.message)
        return _schedules_page(donor, form, status=outcome.status, template="donations/schedule_form.html")
    count = len(recurring.list_upcoming(db.session, schedule, utcnow()))
    flash(f"Recurring {'offer' if produce else 'pickup'} set up: the next {count} are posted already.", "success")
    return redirect(url_for("donations.schedules", org=donor.id))


@bp.route("/schedules/<int:schedule_id>/cancel", methods=["POST"])
@requires(permissions.can_post_any_donation)
def cancel_schedule(schedule_id: int):
    schedule = recurring.get_schedule(db.session, schedule_id)
    authorize(permissions.can_manage_schedule(current_user, schedule))
    if not ButtonForm().validate():
        raise ValidationError("This form has expired. Reload the page and try again.")
    with transaction.committed():
        cancelled, kept = recurring.cancel_schedule(db.session, current_user, schedule, utcnow())
    message = f"Stopped. {len(cancelled)} upcoming pickups were cancelled."
    if kept:
        message += f" {len(kept)} already claimed stay; cancel them one by one if you must."
    flash(message, "success")
    return redirect(url_for("donations.schedules", org=schedule.donor_id))


# --- priority partners ------------------------------------------------------------------

@bp.route("/partners", methods=["GET", "POST"])
@requires(permissions.can_post_any_donation)
def partners():
    form = PartnersForm()
    donor = _donor_from(form.donor_id.data if form.is_submitted() else request.args.get("org"))
    recipients = {o.id: o for o in organizations.list_organizations(db.session) if o.kind.is_recipient}
    choices = [SelectChoice("", "— none —"), *(SelectChoice(str(i), o.name) for i, o in recipients.items())]
    for entry in form.partners:
        entry.choices = choices
    status = 200
    if not form.is_submitted():
        form.donor_id.data = str(donor.id)
        for entry, partner in zip(form.partners, donations.list_priority_partners(db.session, donor)):
            entry.data = str(partner.id)
    elif form.validate():
        ranked, errors = [], False
        for entry in form.partners:
            if not entry.data:
                continue
            chosen = recipients.get(parse_id(entry.data))
            if chosen is None:
                entry.errors = ["Choose a food bank or shelter from the list."]
                errors = True
            elif chosen in ranked:
                entry.errors = [f"{chosen.name} is already ranked above."]
                errors = True
            else:
                ranked.append(chosen)
        if errors:
            status = 422
        else:
            with transaction.write() as outcome:
                donations.set_priority_partners(db.session, current_user, donor, ranked)
            if not outcome.failed:
                flash("Partners saved." if ranked else "No partners: every matching recipient hears at once.", "success")
                return redirect(url_for("donations.partners", org=donor.id))
            form.form_errors.append(outcome.error.message)
            status = outcome.status
    else:
        status = 422 if not form.csrf_token.errors else 400
    return render_template("donations/partners.html", form=form, donor=donor,
                           donors=permissions.donor_organizations(current_user),
                           minutes=current_app.config["PRIORITY_CLAIM_MINUTES"]), status
