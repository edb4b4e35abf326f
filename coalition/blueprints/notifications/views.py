from __future__ import annotations

from pathlib import Path

from flask import Response, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from coalition.blueprints.forms import safe_next_url
from coalition.blueprints.notifications import bp
from coalition.blueprints.notifications.forms import OpenForm, PreferencesForm
from coalition.blueprints.transaction import committed, write
from coalition.errors import error_response
from coalition.extensions import db
from coalition.models import NotificationKind
from coalition.models.base import utcnow
from coalition.permissions import login_required
from coalition.services import notifications, push

STATIC_JS = Path(__file__).resolve().parents[2] / "static" / "js"


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
        with write(form) as outcome:
            for kind in NotificationKind:
                notifications.set_preference(db.session, current_user, kind, form[f"{kind.value}_in_app"].data,
                                             form[f"{kind.value}_email"].data, form[f"{kind.value}_push"].data)
            push.set_quiet_hours(db.session, current_user, form.quiet_start.data, form.quiet_end.data)
        if not outcome.failed:
            flash("Your notification choices are saved.", "success")
            return redirect(url_for("notifications.settings"))
    if not form.is_submitted():
        form.quiet_start.data, form.quiet_end.data = current_user.quiet_start or "", current_user.quiet_end or ""
        for kind, choice in notifications.get_preferences(db.session, current_user).items():
            form[f"{kind.value}_in_app"].data = choice.in_app
            form[f"{kind.value}_email"].data = choice.email
            form[f"{kind.value}_push"].data = choice.push
    return render_template("notifications/settings.html", form=form,
                           devices=push.list_subscriptions(db.session, current_user)), 422 if form.is_submitted() else 200


# --- web push -----------------------------------------------------------------------------------

@bp.route("/push/sw.js")
def push_worker():
    """The push service worker. Its scope is /notifications/push/, which holds no page: it only shows
    pushed notifications, and never comes between the site's pages and the network."""
    response = Response((STATIC_JS / "push_sw.js").read_text(encoding="utf-8"), mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


def _push_off():
    if not push.PushSettings.from_config(current_app.config).enabled:
        return error_response(409, "Notifications to phones are not set up on this site.")
    return None


@bp.route("/push/subscribe", methods=["POST"])
@login_required
def push_subscribe():
    """Store this browser's push subscription (JSON ``PushSubscription.toJSON()``, CSRF token in the
    X-CSRFToken header); answers ``{"subscribed": true}``."""
    off = _push_off()
    if off is not None:
        return off
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return error_response(400, "Send a JSON object.")
    with committed():
        push.subscribe(db.session, current_user, data, request.headers.get("User-Agent", ""), utcnow())
    return jsonify({"subscribed": True})


@bp.route("/push/unsubscribe", methods=["POST"])
@login_required
def push_unsubscribe():
    """Stop pushing to this browser (JSON ``{"endpoint"}``); answers ``{"removed": 0 or 1}``. Works with
    push switched off too, so a browser can always be forgotten."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return error_response(400, "Send a JSON object.")
    with committed():
        removed = push.unsubscribe(db.session, current_user, data.get("endpoint"))
    return jsonify({"removed": removed})


@bp.route("/push/<int:subscription_id>/remove", methods=["POST"])
@login_required
def push_remove(subscription_id: int):
    """Stop pushing to one of the person's browsers, from the settings page (say, a lost phone)."""
    OpenForm()   # the CSRF token is checked for every POST
    with committed():
        push.remove_subscription(db.session, current_user, subscription_id)
    flash("That phone or browser no longer receives notifications.", "success")
    return redirect(url_for("notifications.settings"))
