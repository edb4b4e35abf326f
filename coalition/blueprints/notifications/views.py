from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from coalition.blueprints.forms import safe_next_url
from coalition.blueprints.notifications import bp
from coalition.blueprints.notifications.forms import OpenForm, PreferencesForm
from coalition.blueprints.transaction import committed
from coalition.extensions import db
from coalition.models import NotificationKind
from coalition.models.base import utcnow
from coalition.permissions import login_required
from coalition.services import notifications


def _href(notification) -> str:
    """The address of the page a notification is about: '' when it links nowhere, or to a page
    the app no longer has (a stored endpoint outlives a renamed route)."""
    if not notification.link_endpoint:
        return ""
    try:
        return url_for(notification.link_endpoint, **notification.link_args)
    except BuildError:
        return ""


@bp.route("/")
@login_required
def index():
    items = notifications.list_notifications(db.session, current_user)
    return render_template("notifications/index.html", items=[(item, _href(item)) for item in items])


@bp.route("/<int:notification_id>/read", methods=["POST"])
@login_required
def read(notification_id: int):
    """Mark one notification read; with ``next`` (its link) go on to what it is about."""
    form = OpenForm()
    with committed():
        notifications.mark_read(db.session, current_user, notification_id, utcnow())
    return redirect(safe_next_url(form.next.data) or url_for("notifications.index"))


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    with committed():
        changed = notifications.mark_read(db.session, current_user, None, utcnow())
    flash(f"Marked {changed} notification{'s' if changed != 1 else ''} as read.", "success")
    return redirect(url_for("notifications.index"))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    form = PreferencesForm()
    if form.validate_on_submit():
        with committed():
            for kind in NotificationKind:
                notifications.set_preference(db.session, current_user, kind, form[f"{kind.value}_in_app"].data,
                                             form[f"{kind.value}_email"].data)
        flash("Your notification choices are saved.", "success")
        return redirect(url_for("notifications.settings"))
    if not form.is_submitted():
        for kind, choice in notifications.get_preferences(db.session, current_user).items():
            form[f"{kind.value}_in_app"].data = choice.in_app
            form[f"{kind.value}_email"].data = choice.email
    return render_template("notifications/settings.html", form=form), 422 if form.is_submitted() else 200
