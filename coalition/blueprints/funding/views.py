from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from coalition import permissions
from coalition.blueprints import transaction
from coalition.blueprints.forms import show_domain_error
from coalition.blueprints.funding import bp
from coalition.blueprints.funding.forms import GrantForm, ReportPeriodForm, SpendingForm
from coalition.blueprints.local_time import local_today, local_zone
from coalition.errors import NotFound, RuleError
from coalition.extensions import db
from coalition.models import Grant
from coalition.models.base import utcnow
from coalition.permissions import requires
from coalition.services import funding, funding_reports, organizations


def _load(grant_id: int) -> Grant:
    grant = funding.get_grant(db.session, grant_id)
    if not permissions.can_view_grant(current_user, grant):
        raise NotFound("There is no such grant.")
    return grant


@bp.route("/")
@requires(permissions.can_view_funding)
def index():
    """Totals by purpose for every partner; the grants themselves for the backbone and the funders."""
    totals = funding.funding_totals(db.session, current_user)
    grants = funding.list_grants(db.session, current_user) if permissions.can_view_funder_reports(current_user) else None
    return render_template("funding/index.html", totals=totals, grants=grants, money=funding.format_money,
                           can_manage=permissions.can_manage_funding(current_user))


def _funder_choices() -> list[SelectChoice]:
    return [SelectChoice(0, "An outside funder (name it below)")] + [
        SelectChoice(o.id, f"{o.name} ({o.kind.label})") for o in organizations.list_organizations(db.session)]


def _grant_input(form: GrantForm) -> funding.GrantInput:
    return funding.GrantInput(
        title=form.title.data or "", funder_organization_id=form.funder_organization_id.data or None,
        funder_name=form.funder_name.data or "", amount=form.amount.data or "", currency=form.currency.data,
        period_start=form.period_start.data, period_end=form.period_end.data, purpose=form.purpose.data,
        status=form.status.data, received_on=form.received_on.data, supports=form.supports.data,
        activity=form.activity.data or "")


def _grant_form_page(form: GrantForm, grant: Grant | None, save):
    """Show the grant form; on a valid submission run ``save`` through the write boundary and go to the grant."""
    form.funder_organization_id.choices = _funder_choices()
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            with transaction.write(form) as outcome:
                saved = save(_grant_input(form))
            if not outcome.failed:
                flash("Grant saved.", "success")
                return redirect(url_for("funding.detail", grant_id=saved.id))
            status = outcome.status
    return render_template("funding/form.html", form=form, grant=grant), status


@bp.route("/grants/new", methods=["GET", "POST"])
@requires(permissions.can_manage_funding)
def create():
    form = GrantForm()
    return _grant_form_page(form, None, lambda data: funding.create_grant(db.session, current_user, data, utcnow()))


@bp.route("/grants/<int:grant_id>/edit", methods=["GET", "POST"])
@requires(permissions.can_manage_funding)
def edit(grant_id: int):
    grant = _load(grant_id)
    form = GrantForm()
    if not form.is_submitted():
        form.title.data, form.funder_organization_id.data = grant.title, grant.funder_organization_id or 0
        form.funder_name.data, form.currency.data = grant.funder_name or "", grant.currency
        form.amount.data = funding.plain_amount(grant.amount_minor, grant.currency)
        form.period_start.data, form.period_end.data = grant.period_start, grant.period_end
        form.purpose.data, form.status.data = grant.purpose.value, grant.status.value
        form.received_on.data, form.supports.data, form.activity.data = grant.received_on, grant.supports, grant.activity
    return _grant_form_page(form, grant, lambda data: funding.update_grant(db.session, current_user, grant, data,
                                                                          utcnow()))


def _detail_page(grant: Grant, spending_form: SpendingForm | None = None, status: int = 200):
    form = spending_form or SpendingForm(currency=grant.currency, purpose=grant.purpose.value)
    return render_template("funding/detail.html", grant=grant, form=form, money=funding.format_money,
                           supports=funding.SUPPORTS, can_manage=permissions.can_manage_funding(current_user)), status


@bp.route("/grants/<int:grant_id>")
@requires(permissions.can_view_funder_reports)
def detail(grant_id: int):
    return _detail_page(_load(grant_id))


@bp.route("/grants/<int:grant_id>/spending", methods=["POST"])
@requires(permissions.can_manage_funding)
def record_spending(grant_id: int):
    grant = _load(grant_id)
    form = SpendingForm()
    if not form.validate_on_submit():
        return _detail_page(grant, form, 422)
    with transaction.write(form) as outcome:
        funding.record_spending(db.session, current_user, grant, form.spent_on.data, form.amount.data or "",
                                form.currency.data, form.purpose.data, form.note.data or "", utcnow())
    if outcome.failed:
        return _detail_page(db.session.get(Grant, grant_id), form, outcome.status)
    flash("Spending recorded.", "success")
    return redirect(url_for("funding.detail", grant_id=grant_id))


def _report(form: ReportPeriodForm):
    """The report the form asks for, or the rule error to show beside its fields."""
    grant_id = request.args.get("grant", type=int)
    start, end = funding_reports.parse_period(form.start.data, form.end.data, local_today())
    return funding_reports.build_funder_report(db.session, current_user, start, end, local_zone(), grant_id)


def _report_page(form: ReportPeriodForm, report, status: int = 200):
    return render_template("funding/report.html", form=form, report=report, money=funding.format_money,
                           grant_id=request.args.get("grant", type=int)), status


@bp.route("/report")
@requires(permissions.can_view_funder_reports)
def report():
    form = ReportPeriodForm(request.args)
    try:
        built = _report(form)
    except RuleError as error:  # a read, nothing to roll back; access errors go to the error handlers
        show_domain_error(form, error)
        return _report_page(form, None, error.status_code)
    form.start.data, form.end.data = built.start.isoformat(), built.end.isoformat()
    return _report_page(form, built)


@bp.route("/report.<any(csv, pdf):fmt>")
@requires(permissions.can_view_funder_reports)
def report_download(fmt: str):
    form = ReportPeriodForm(request.args)
    try:
        built = _report(form)
    except RuleError as error:
        show_domain_error(form, error)
        return _report_page(form, None, error.status_code)
    headers = {"Content-Disposition": f'attachment; filename="{funding_reports.report_filename(built, fmt)}"',
               "Cache-Control": "private, no-store"}
    if fmt == "csv":
        return Response(funding_reports.report_csv(built), mimetype="text/csv", headers=headers)
    return Response(funding_reports.render_report_pdf(built, current_app.config["COALITION_NAME"], utcnow()),
                    mimetype="application/pdf", headers=headers)
