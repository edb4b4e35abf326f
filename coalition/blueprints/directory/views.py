from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from coalition import permissions
from coalition.blueprints import transaction
from coalition.blueprints.directory import bp
from coalition.blueprints.directory.forms import ActionForm, ProfileForm
from coalition.blueprints.viewer_places import viewer_places
from coalition.errors import NotFound
from coalition.extensions import db
from coalition.models import Organization, PlanRole
from coalition.models.base import utcnow
from coalition.permissions import authorize, login_required, requires
from coalition.services import directory, organizations


def _stale_days() -> int:
    return current_app.config["DIRECTORY_STALE_DAYS"]


def _load(organization_id: int) -> Organization:
    organization = organizations.get_organization(db.session, organization_id)
    if not permissions.can_view_organization(current_user, organization):
        raise NotFound("There is no such organization.")
    return organization


@bp.route("/")
@requires(permissions.can_view_network)
def index():
    only_stale, role = request.args.get("stale") == "1", request.args.get("role") or None
    entries = directory.list_directory(db.session, utcnow(), _stale_days(), role=role)
    shown = [e for e in entries if e.stale] if only_stale else entries
    return render_template("directory/index.html", entries=shown, only_stale=only_stale, role=role, roles=list(PlanRole),
                           stale_count=sum(1 for e in entries if e.stale), stale_days=_stale_days(), form=ActionForm())


@bp.route("/directory.csv")
@requires(permissions.can_view_network)
def export():
    entries = directory.list_directory(db.session, utcnow(), _stale_days(), only_stale=request.args.get("stale") == "1",
                                       role=request.args.get("role") or None)
    return Response(directory.directory_csv(entries, viewer_places()), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=partner-directory.csv"})


@bp.route("/<int:organization_id>")
@login_required
def detail(organization_id: int):
    organization = _load(organization_id)
    return render_template("directory/detail.html", entry=directory.entry_for(db.session, organization, utcnow(), _stale_days()),
                           organization=organization, format_hours=organizations.format_hours,
                           stale_days=_stale_days(), form=ActionForm())


@bp.route("/<int:organization_id>/edit", methods=["GET", "POST"])
@login_required
def edit(organization_id: int):
    organization = _load(organization_id)
    authorize(permissions.can_edit_partner_profile(current_user, organization))
    profile = directory.get_profile(db.session, organization)
    form = ProfileForm(obj=profile)
    status = 200
    if form.validate_on_submit():
        with transaction.write(form) as outcome:
            directory.update_profile(db.session, current_user, organization, directory.ProfileInput(
                roles=form.roles.data or [], accepted_categories=form.accepted_categories.data or [],
                accepted_storage=form.accepted_storage.data or [], service_radius_km=form.service_radius_km.data,
                service_neighborhoods=form.service_neighborhoods.data or ""), utcnow())
        status = outcome.status
        if not outcome.failed:
            flash("Directory details saved and confirmed.", "success")
            return redirect(url_for("directory.detail", organization_id=organization.id))
    elif form.is_submitted():
        status = 422
    return render_template("directory/form.html", form=form, organization=organization), status


@bp.route("/<int:organization_id>/confirm", methods=["POST"])
@login_required
def confirm(organization_id: int):
    organization = _load(organization_id)
    authorize(permissions.can_confirm_partner_details(current_user, organization))
    with transaction.committed():
        directory.confirm_details(db.session, current_user, organization, utcnow())
    flash("Thank you: your details are confirmed as current.", "success")
    return redirect(url_for("directory.detail", organization_id=organization.id))


@bp.route("/<int:organization_id>/request-confirmation", methods=["POST"])
@requires(permissions.can_request_confirmation)
def request_confirmation(organization_id: int):
    organization = _load(organization_id)
    with transaction.committed():
        asked = directory.request_confirmation(db.session, current_user, organization, utcnow())
    flash(f"Asked {organization.name} to confirm its details ({asked} people notified).", "success")
    return redirect(request.referrer if request.referrer and request.referrer.startswith(request.host_url)
                    else url_for("directory.index"))


@bp.route("/request-stale", methods=["POST"])
@requires(permissions.can_request_confirmation)
def request_stale():
    with transaction.committed():
        asked = directory.request_all_stale(db.session, current_user, utcnow(), _stale_days())
    flash(f"Asked {asked} partner{'s' if asked != 1 else ''} with stale details to confirm them.", "success")
    return redirect(url_for("directory.index", stale=1))
