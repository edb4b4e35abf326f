"""The matching page: review the suggested allocation, edit or untick rows, accept to create claims."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from coalition import permissions
from coalition.blueprints import transaction
from coalition.blueprints.matching import bp
from coalition.blueprints.matching.forms import AcceptForm, parse_rows, posted_rows
from coalition.extensions import db
from coalition.models.base import utcnow
from coalition.permissions import requires
from coalition.services import matching


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["COALITION_TIMEZONE"])


def _page(form: AcceptForm, status: int = 200, posted=None, errors=None, failures=None, created: int = 0):
    by = "recipient" if request.values.get("by") == "recipient" else "donor"
    plan = matching.build_plan(db.session, utcnow(), _zone())
    return render_template(
        "matching/index.html", plan=plan, groups=plan.grouped(by), by=by, form=form,
        posted=posted or {}, errors=errors or {}, failures=failures or [], created=created,
    ), status


@bp.route("/")
@requires(permissions.can_run_matching)
def index():
    return _page(AcceptForm())


@bp.route("/accept", methods=["POST"])
@requires(permissions.can_run_matching)
def accept():
    form = AcceptForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    with transaction.write() as outcome:
        result = matching.accept_allocation(db.session, current_user, parse_rows(request.form), utcnow(), _zone())
    if outcome.failed:
        form.form_errors.append(outcome.error.message)
        return _page(form, outcome.status, posted_rows(request.form), outcome.error.fields)
    if result.failures:
        form.form_errors.append(f"{len(result.claims)} claim{'s' * (len(result.claims) != 1)} created; "
                                f"{len(result.failures)} could not be made:")
        return _page(form, 409, failures=[message for _row, message in result.failures], created=len(result.claims))
    flash(f"{len(result.claims)} claim{'s' * (len(result.claims) != 1)} created on behalf of the recipients.", "success")
    return redirect(url_for("matching.index"))
