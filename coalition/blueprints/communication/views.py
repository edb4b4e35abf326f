from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from coalition import permissions
from coalition.blueprints import transaction
from coalition.blueprints.communication import bp
from coalition.blueprints.communication.forms import (
    ActionItemForm,
    AnnouncementForm,
    MeetingForm,
    MinutesForm,
    PreferenceForm,
)
from coalition.blueprints.forms import run_checks
from coalition.blueprints.local_time import local_zone, to_utc
from coalition.errors import NotFound
from coalition.extensions import db
from coalition.models.base import utcnow
from coalition.permissions import authorize, login_required, requires
from coalition.services import communication, organizations


# --- announcements -------------------------------------------------------------------------

@bp.route("/announcements/")
@requires(permissions.can_broadcast)
def announcements():
    items = communication.list_announcements(db.session)
    return render_template("communication/announcements.html",
                           items=[(a, communication.receipts_of(a)) for a in items])


def _announcement_form() -> AnnouncementForm:
    form = AnnouncementForm()
    form.audience_value.choices = [SelectChoice(v, label) for v, label in communication.audience_choices(db.session)]
    return form


@bp.route("/announcements/new", methods=["GET", "POST"])
@requires(permissions.can_broadcast)
def new_announcement():
    form = _announcement_form()
    status = 200
    if form.validate_on_submit():
        with transaction.write(form) as outcome:
            (audience,) = run_checks(lambda: communication.parse_audience(form.audience_value.data))
            announcement = communication.post_announcement(db.session, current_user, form.title.data, form.body.data,
                                                           *audience, utcnow())
        status = outcome.status
        if not outcome.failed:
            flash(f"Sent to {len(announcement.receipts)} organization{'s' if len(announcement.receipts) != 1 else ''}.",
                  "success")
            return redirect(url_for("communication.announcement", announcement_id=announcement.id))
    elif form.is_submitted():
        status = 422
    return render_template("communication/announcement_form.html", form=form), status


@bp.route("/announcements/<int:announcement_id>")
@login_required
def announcement(announcement_id: int):
    """Reading an announcement records the read receipt of the reader's addressed organizations."""
    item = communication.get_announcement(db.session, announcement_id)
    if not permissions.can_view_announcement(current_user, item):
        raise NotFound("There is no such announcement.")
    with transaction.committed():
        communication.mark_announcement_read(db.session, current_user, item, utcnow())
    receipts = communication.receipts_of(item) if permissions.can_broadcast(current_user) else None
    return render_template("communication/announcement.html", item=item, receipts=receipts)


# --- inbox ---------------------------------------------------------------------------------

@bp.route("/inbox")
@requires(permissions.can_use_inbox)
def inbox():
    first = permissions.acting_organizations(current_user)[0]
    return redirect(url_for("communication.organization_inbox", organization_id=first.id))


@bp.route("/inbox/<int:organization_id>")
@login_required
def organization_inbox(organization_id: int):
    organization = organizations.get_organization(db.session, organization_id)
    authorize(permissions.can_view_inbox(current_user, organization))
    return render_template("communication/inbox.html",
                           inbox=communication.get_inbox(db.session, organization, utcnow(), local_zone()),
                           others=[o for o in permissions.acting_organizations(current_user) if o.id != organization.id])


# --- meetings and action items -----------------------------------------------------------

@bp.route("/meetings/")
@requires(permissions.can_view_meetings)
def meetings():
    return render_template("communication/meetings.html", meetings=communication.list_meetings(db.session))


@bp.route("/meetings/new", methods=["GET", "POST"])
@requires(permissions.can_manage_meetings)
def new_meeting():
    form = MeetingForm()
    status = 200
    if form.validate_on_submit():
        with transaction.write(form) as outcome:
            meeting = communication.create_meeting(db.session, current_user, form.title.data, to_utc(form.starts_at.data),
                                                   form.agenda.data, utcnow())
        status = outcome.status
        if not outcome.failed:
            return redirect(url_for("communication.meeting", meeting_id=meeting.id))
    elif form.is_submitted():
        status = 422
    return render_template("communication/meeting_form.html", form=form), status


def _meeting_page(meeting, minutes: MinutesForm | None = None, action: ActionItemForm | None = None, status: int = 200):
    manage = permissions.can_manage_meetings(current_user)
    if manage:
        minutes = minutes or MinutesForm(obj=meeting)
        action = action or ActionItemForm()
        action.organization_id.choices = [SelectChoice(o.id, o.name) for o in organizations.list_organizations(db.session)]
    return render_template("communication/meeting.html", meeting=meeting, minutes=minutes, action=action,
                           today=utcnow().astimezone(local_zone()).date()), status


@bp.route("/meetings/<int:meeting_id>")
@requires(permissions.can_view_meetings)
def meeting(meeting_id: int):
    return _meeting_page(communication.get_meeting(db.session, meeting_id))


@bp.route("/meetings/<int:meeting_id>/minutes", methods=["POST"])
@requires(permissions.can_manage_meetings)
def minutes(meeting_id: int):
    meeting = communication.get_meeting(db.session, meeting_id)
    form = MinutesForm()
    if not form.validate_on_submit():
        return _meeting_page(meeting, minutes=form, status=422)
    with transaction.write(form) as outcome:
        communication.record_minutes(db.session, current_user, meeting, form.agenda.data, form.notes.data,
                                     form.decisions.data)
    if outcome.failed:
        return _meeting_page(meeting, minutes=form, status=outcome.status)
    flash("Minutes saved.", "success")
    return redirect(url_for("communication.meeting", meeting_id=meeting.id))


@bp.route("/meetings/<int:meeting_id>/actions", methods=["POST"])
@requires(permissions.can_manage_meetings)
def add_action(meeting_id: int):
    meeting = communication.get_meeting(db.session, meeting_id)
    form = ActionItemForm()
    if not form.validate_on_submit():
        return _meeting_page(meeting, action=form, status=422)
    with transaction.write(form) as outcome:
        item = communication.assign_action_item(db.session, current_user, meeting, form.organization_id.data,
                                                form.description.data, form.due_on.data, utcnow())
    if outcome.failed:
        return _meeting_page(meeting, action=form, status=outcome.status)
    flash(f"Assigned to {item.organization.name}.", "success")
    return redirect(url_for("communication.meeting", meeting_id=meeting.id))


@bp.route("/actions/<int:item_id>/done", methods=["POST"])
@login_required
def complete_action(item_id: int):
    item = communication.get_action_item(db.session, item_id)
    authorize(permissions.can_complete_action_item(current_user, item))
    with transaction.committed():
        communication.complete_action_item(db.session, current_user, item, utcnow())
    flash("Marked done.", "success")
    if permissions.can_view_inbox(current_user, item.organization):
        return redirect(url_for("communication.organization_inbox", organization_id=item.organization_id))
    return redirect(url_for("communication.meeting", meeting_id=item.meeting_id))


# --- e-mail rhythm ---------------------------------------------------------------------------

@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    form = PreferenceForm()
    if form.validate_on_submit():
        with transaction.committed():
            communication.set_daily_digest(db.session, current_user, form.delivery.data == "digest")
        flash("Saved.", "success")
        return redirect(url_for("communication.preferences"))
    if not form.is_submitted():
        form.delivery.data = "digest" if communication.get_preference(db.session, current_user).daily_digest else "immediate"
    return render_template("communication/preferences.html", form=form), 422 if form.is_submitted() else 200
