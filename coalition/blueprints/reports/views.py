from __future__ import annotations

import datetime as dt

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from coalition import permissions
from coalition.blueprints.forms import show_domain_error
from coalition.blueprints import transaction
from coalition.blueprints.local_time import local_today, local_zone
from coalition.blueprints.reports import bp
from coalition.blueprints.reports.forms import FairMarketValueForm, ReceiptPeriodForm
from coalition.blueprints.viewer_places import viewer_places
from coalition.errors import NotFound, RuleError
from coalition.extensions import db
from coalition.models import FoodCategory
from coalition.models.base import utcnow
from coalition.permissions import login_required, requires
from coalition.services import cold_chain_records, compliance, organizations, periods, receipts
from coalition.services import cold_chain_patterns as cold_chain_patterns_service


def _donor(organization_id: int):
    organization = organizations.get_organization(db.session, organization_id)
    if not permissions.can_view_receipts(current_user, organization):
        raise NotFound("There is no such donor.")
    return organization


@bp.route("/receipts")
@requires(permissions.can_view_any_receipts)
def receipts_index():
    """Choose a donor (the backbone: any) and a period; the download is a GET link."""
    donors = permissions.receipt_organizations(current_user)
    if permissions.is_backbone_staff(current_user):
        donors = [o for o in organizations.list_organizations(db.session) if o.kind.is_donor]
    form = ReceiptPeriodForm(request.args)
    today = local_today()
    if not form.start.data:
        form.start.data = today.replace(month=1, day=1).isoformat()
    if not form.end.data:
        form.end.data = today.isoformat()
    return render_template("reports/receipts.html", donors=donors, form=form)


@bp.route("/receipts/<int:organization_id>.pdf")
@requires(permissions.can_view_any_receipts)
def receipt_pdf(organization_id: int):
    donor = _donor(organization_id)
    form = ReceiptPeriodForm(request.args)
    try:
        start, end = receipts.parse_period(form.start.data, form.end.data, local_today())
        receipt = receipts.build_receipt(db.session, current_user, donor, start, end, local_zone())
    except RuleError as error:  # a read, nothing to roll back; access errors go to the error handlers
        show_domain_error(form, error)
        return render_template("reports/receipts.html", donors=[donor], form=form), error.status_code
    body = receipts.render_receipt_pdf(receipt, current_app.config["COALITION_NAME"], utcnow())
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{receipts.receipt_filename(receipt)}"',
        "Cache-Control": "private, no-store"})


def _last_month() -> str:
    return (local_today().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")


@bp.route("/compliance")
@requires(permissions.can_view_compliance_reports)
def compliance_index():
    month_text = request.args.get("month") or _last_month()
    month = compliance.parse_month(month_text)
    report = compliance.monthly_report(db.session, current_user, month, local_zone())
    return render_template("reports/compliance.html", report=report, month=month.strftime("%Y-%m"),
                           cold_chain_lines=cold_chain_records.summary_lines(report.cold_chain))


@bp.route("/compliance/<month>.<any(csv, pdf):fmt>")
@requires(permissions.can_view_compliance_reports)
def compliance_download(month: str, fmt: str):
    first = compliance.parse_month(month)
    report = compliance.monthly_report(db.session, current_user, first, local_zone())
    name = f"food-recovery-report-{first.strftime('%Y-%m')}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"}
    if fmt == "csv":
        return Response(compliance.report_csv(report, viewer_places()), mimetype="text/csv", headers=headers)
    return Response(compliance.report_pdf(report, current_app.config["COALITION_NAME"], utcnow(), viewer_places()),
                    mimetype="application/pdf", headers=headers)


@bp.route("/cold-chain/patterns")
@requires(permissions.can_view_compliance_reports)
def cold_chain_patterns():
    """Donors with repeated warm readings, drivers whose cold food often arrives warm, time out of refrigeration."""
    patterns = cold_chain_patterns_service.cold_chain_patterns(db.session, current_user, utcnow())
    return render_template("reports/cold_chain_patterns.html", patterns=patterns,
                           repeated=cold_chain_patterns_service.REPEATED)


def _cold_chain_month(organization_id: int, month: str):
    """The partner, the month's first day and its summary and records, once the viewer may see them."""
    organization = organizations.get_organization(db.session, organization_id)
    if not permissions.can_view_cold_chain_report(current_user, organization):
        raise NotFound("There is no such cold-chain report.")
    first = compliance.parse_month(month)
    begin, until = periods.local_bounds(first, compliance.next_month(first) - dt.timedelta(days=1), local_zone())
    side = {"donor_id": organization.id} if organization.kind.is_donor else {"recipient_id": organization.id}
    summary, records = cold_chain_records.summarize(db.session, begin, until, **side)
    return organization, first, summary, records


def _download(body, mimetype: str, name: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                      "Cache-Control": "private, no-store"})


@bp.route("/cold-chain/<int:organization_id>/<month>.csv")
@login_required
def cold_chain_csv(organization_id: int, month: str):
    """A donor's or recipient's cold-chain report for a local calendar month: every reading of its cold lines."""
    organization, first, _, records = _cold_chain_month(organization_id, month)
    names = viewer_places()
    body = cold_chain_records.monthly_csv(records, first, names(organization).name,
                                          current_app.config["TEMPERATURE_UNIT"], local_zone(),
                                          lambda partner: names(partner).name)
    return _download(body, "text/csv", f"cold-chain-{organization.id}-{first.strftime('%Y-%m')}.csv")


@bp.route("/cold-chain/<int:organization_id>/<month>.pdf")
@login_required
def cold_chain_pdf(organization_id: int, month: str):
    """The same monthly cold-chain report as the CSV, printable, with the month's summary on top."""
    organization, first, summary, records = _cold_chain_month(organization_id, month)
    names = viewer_places()
    body = cold_chain_records.monthly_pdf(summary, records, first, names(organization).name,
                                          current_app.config["TEMPERATURE_UNIT"], local_zone(),
                                          lambda partner: names(partner).name,
                                          current_app.config["COALITION_NAME"], utcnow(),
                                          for_donor=organization.kind.is_donor)
    return _download(body, "application/pdf", f"cold-chain-{organization.id}-{first.strftime('%Y-%m')}.pdf")


@bp.route("/values", methods=["GET", "POST"])
@requires(permissions.can_view_compliance_reports)
def values():
    """The estimated fair-market value per category used on donor receipts."""
    form = FairMarketValueForm()
    current = receipts.fair_market_values(db.session)
    if not form.is_submitted():
        for category, value in current.items():
            form[category.value].data = value
    status = 200
    if form.validate_on_submit():
        with transaction.write(form) as outcome:
            receipts.set_fair_market_values(db.session, current_user, {c.value: form[c.value].data for c in FoodCategory}, utcnow())
        status = outcome.status
        if not outcome.failed:
            flash("Fair-market values saved; receipts use them from now on.", "success")
            return redirect(url_for("reports.values"))
    elif form.is_submitted():
        status = 422
    return render_template("reports/values.html", form=form, categories=list(FoodCategory),
                           defaults=receipts.DEFAULT_USD_PER_KG), status
