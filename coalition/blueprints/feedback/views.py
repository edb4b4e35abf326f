from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from coalition import permissions
from coalition.blueprints import transaction
from coalition.blueprints.feedback import bp
from coalition.blueprints.feedback.forms import ProblemForm, RatingForm
from coalition.errors import RuleError
from coalition.extensions import db
from coalition.models.base import utcnow
from coalition.permissions import login_required, requires
from coalition.services import feedback


def _page(rating_form: RatingForm | None = None, problem_form: ProblemForm | None = None, error: RuleError | None = None,
          status: int = 200):
    """The person's own feedback: deliveries to rate, pickups to flag, and what was said about their organizations."""
    now = utcnow()
    recipients = permissions.recipient_organizations(current_user)
    own = [m.organization for m in current_user.active_memberships()
           if m.role in permissions.ACTING_ROLES and (m.organization.kind.is_donor or m.organization.kind.is_recipient)]
    seen, about = set(), []
    for organization in own:
        if organization.id in seen:
            continue
        seen.add(organization.id)
        problems = feedback.problems_about(db.session, organization, now) if organization.kind.is_donor else []
        about.append((organization, feedback.ratings_about(db.session, organization, now), problems))
    return render_template(
        "feedback/index.html",
        to_rate=[(o, feedback.list_deliveries_to_rate(db.session, o, now)) for o in recipients],
        pickups=feedback.list_my_pickups(db.session, current_user, now) if permissions.can_flag_any_pickup(current_user) else [],
        about=about, rating_form=rating_form or RatingForm(), problem_form=problem_form or ProblemForm(),
        error=error, backbone=permissions.can_view_repeated_problems(current_user)), status


@bp.route("/")
@login_required
def index():
    return _page()


@bp.route("/ratings", methods=["POST"])
@requires(permissions.can_rate_any_delivery)
def rate():
    form = RatingForm()
    if not form.validate_on_submit():
        return _page(rating_form=form, status=422)
    with transaction.write() as outcome:
        feedback.rate_delivery(db.session, current_user, form.delivery_id.data, int(form.rating.data), form.note.data or "",
                               utcnow())
    if outcome.failed:
        return _page(rating_form=form, error=outcome.error, status=outcome.status)
    flash("Thank you: your rating was saved.", "success")
    return redirect(url_for("feedback.index"))


@bp.route("/pickup-problems", methods=["POST"])
@requires(permissions.can_flag_any_pickup)
def flag():
    form = ProblemForm()
    if not form.validate_on_submit():
        return _page(problem_form=form, status=422)
    with transaction.write() as outcome:
        feedback.flag_pickup_problem(db.session, current_user, form.claim_id.data, form.issue.data, form.note.data or "",
                                     utcnow())
    if outcome.failed:
        return _page(problem_form=form, error=outcome.error, status=outcome.status)
    flash("Problem flagged; the backbone will follow up with the donor.", "success")
    return redirect(url_for("feedback.index"))


@bp.route("/repeated")
@requires(permissions.can_view_repeated_problems)
def repeated():
    report = feedback.repeated_problems(db.session, current_user, utcnow())
    return render_template("feedback/repeated.html", report=report, days=feedback.WINDOW_DAYS)
