from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from coalition import mail_links, permissions
from coalition.blueprints import transaction
from coalition.blueprints.forms import choices_of, run_checks
from coalition.blueprints.organizations import bp
from coalition.blueprints.organizations.forms import InviteForm, NewOrganizationForm, OrganizationForm
from coalition.errors import NotFound
from coalition.extensions import db
from coalition.models import WEEKDAYS, Invitation, Organization, OrganizationKind, Role, User
from coalition.models.base import utcnow
from coalition.permissions import authorize, login_required, requires
from coalition.services import accounts, geocoding, organizations
from coalition.services.mail import MailSettings, send_mail


def _details_from(form: OrganizationForm) -> organizations.OrganizationDetails:
    hours = organizations.parse_hours({day: form[f"hours_{day}"].data for day in WEEKDAYS})
    return organizations.OrganizationDetails(
        kind=OrganizationKind(form.kind.data),
        name=form.name.data or "",
        address=(form.address.data or "").strip(),
        latitude=form.latitude.data,
        longitude=form.longitude.data,
        phone=(form.phone.data or "").strip(),
        hours=hours,
        refrigerated_capacity_kg=form.refrigerated_capacity_kg.data or 0,
        frozen_capacity_kg=form.frozen_capacity_kg.data or 0,
        confidential=bool(form.confidential.data),
        public_alias=(form.public_alias.data or "").strip(),
    )


def _parse_match(text: str | None) -> tuple[float | None, float | None]:
    """The place the person chose among the geocoder's ("lat,lon"), or (None, None)."""
    try:
        latitude, longitude = (float(part) for part in (text or "").split(","))
    except ValueError:
        return None, None
    return latitude, longitude


def _place(form: OrganizationForm, organization_id: int | None, matches: list) -> tuple[float | None, float | None]:
    """The point to save: the pin or typed coordinates, a chosen match, else the address geocoded.

    When the address names several places they are added to ``matches`` for the page to offer.
    """
    latitude, longitude = form.latitude.data, form.longitude.data
    if latitude is None and longitude is None:
        latitude, longitude = _parse_match(form.match.data)
    place = geocoding.PlaceInput((form.address.data or "").strip(), latitude, longitude, bool(form.far_confirmed.data))
    try:
        return geocoding.resolve_place(db.session, geocoding.GeocoderSettings.from_config(current_app.config), place,
                                       organization_id)
    except geocoding.AmbiguousAddress as error:
        matches.extend(error.matches)
        raise


def _form_page(form: OrganizationForm, organization: Organization | None, matches=(), status: int = 200):
    return render_template("organizations/form.html", form=form, organization=organization, matches=matches,
                           center=geocoding.network_center(db.session)), status


def _send_invitation(invitation: Invitation, link: str, inviter: User) -> None:
    """E-mail the link; without SMTP show it to the inviting admin (and the log has it)."""
    sent = send_mail(
        MailSettings.from_config(current_app.config), invitation.email,
        f"You are invited to {invitation.organization.name} on {current_app.config['COALITION_NAME']}",
        f"{inviter.display_name} invited you to join {invitation.organization.name} as {invitation.role.value}.\n\n"
        f"Accept within {current_app.config['INVITATION_MAX_AGE_S'] // 86400} days:\n{link}\n",
    )
    if sent:
        flash(f"Invitation e-mailed to {invitation.email}.", "success")
    else:
        flash(f"E-mail is not set up, so send this link to {invitation.email} yourself: {link}", "invite-link")


@bp.route("/")
@login_required
def index():
    return render_template(
        "organizations/index.html",
        organizations=organizations.list_organizations(db.session, include_inactive=permissions.is_coalition_admin(current_user)),
    )


@bp.route("/new", methods=["GET", "POST"])
@requires(permissions.can_create_organization)
def create():
    form = NewOrganizationForm()
    status, matches = 200, []
    if form.validate_on_submit():
        with transaction.write(form) as outcome:
            _email, details, point = run_checks(
                lambda: accounts.clean_email(form.admin_email.data, field="admin_email"),
                lambda: _details_from(form),
                lambda: _place(form, None, matches),
            )
            details.latitude, details.longitude = point
            organization = organizations.create_organization(db.session, current_user, details)
            invitation, token = accounts.invite(
                db.session, current_user, organization, form.admin_email.data, Role.ADMIN,
                utcnow(), current_app.config["INVITATION_MAX_AGE_S"],
            )
            # Made before anything is committed: without BASE_URL the invitation is refused, not half-sent.
            link = mail_links.absolute_url("auth.accept_invitation", {"token": token})
        status = outcome.status
        if not outcome.failed:
            _send_invitation(invitation, link, current_user)
            return redirect(url_for("organizations.detail", organization_id=organization.id))
    elif form.is_submitted():
        status = 422
    return _form_page(form, None, matches, status)


def _load(organization_id: int) -> Organization:
    organization = organizations.get_organization(db.session, organization_id)
    if not permissions.can_view_organization(current_user, organization):
        raise NotFound("There is no such organization.")
    return organization


@bp.route("/<int:organization_id>")
@login_required
def detail(organization_id: int):
    organization = _load(organization_id)
    return render_template("organizations/detail.html", organization=organization,
                           format_hours=organizations.format_hours)


@bp.route("/<int:organization_id>/edit", methods=["GET", "POST"])
@login_required
def edit(organization_id: int):
    organization = _load(organization_id)
    authorize(permissions.can_edit_organization(current_user, organization))
    form = OrganizationForm(obj=organization)
    if not form.is_submitted():
        form.kind.data = organization.kind.value
        for day in WEEKDAYS:
            form[f"hours_{day}"].data = organizations.format_hours(organization.hours, day)
    status, matches = 200, []
    if form.validate_on_submit():
        with transaction.write(form) as outcome:
            details, point = run_checks(lambda: _details_from(form), lambda: _place(form, organization.id, matches))
            details.latitude, details.longitude = point
            organizations.update_organization(db.session, current_user, organization, details)
        status = outcome.status
        if not outcome.failed:
            flash("Saved.", "success")
            return redirect(url_for("organizations.detail", organization_id=organization.id))
    elif form.is_submitted():
        status = 422
    return _form_page(form, organization, matches, status)


@bp.route("/<int:organization_id>/active", methods=["POST"])
@requires(permissions.is_coalition_admin)
def toggle_active(organization_id: int):
    organization = organizations.get_organization(db.session, organization_id)
    with transaction.write(flash_error=True) as outcome:
        organizations.set_organization_active(db.session, current_user, organization, not organization.active)
    if outcome.failed:
        return redirect(url_for("organizations.detail", organization_id=organization.id))
    flash(f"{organization.name} is now {'active' if organization.active else 'inactive'}.", "success")
    return redirect(url_for("organizations.detail", organization_id=organization.id))


def _people_page(organization: Organization, form: InviteForm, status: int = 200):
    form.role.choices = choices_of(permissions.invitable_roles(current_user, organization))
    return render_template(
        "organizations/people.html",
        organization=organization,
        members=organizations.list_members(db.session, organization),
        invitations=accounts.list_open_invitations(db.session, organization, utcnow()),
        form=form,
        can_manage=permissions.can_manage_people(current_user, organization),
    ), status


@bp.route("/<int:organization_id>/people")
@login_required
def people(organization_id: int):
    organization = _load(organization_id)
    authorize(permissions.can_view_people(current_user, organization))
    return _people_page(organization, InviteForm())


@bp.route("/<int:organization_id>/people/invite", methods=["POST"])
@login_required
def invite(organization_id: int):
    organization = _load(organization_id)
    authorize(bool(permissions.invitable_roles(current_user, organization)))
    form = InviteForm()
    form.role.choices = choices_of(permissions.invitable_roles(current_user, organization))
    if not form.validate_on_submit():
        return _people_page(organization, form, 422)
    with transaction.write(form) as outcome:
        invitation, token = accounts.invite(
            db.session, current_user, organization, form.email.data, Role(form.role.data),
            utcnow(), current_app.config["INVITATION_MAX_AGE_S"],
        )
        # Made before anything is committed: without BASE_URL the invitation is refused, not half-sent.
        link = mail_links.absolute_url("auth.accept_invitation", {"token": token})
    if outcome.failed:
        return _people_page(organization, form, outcome.status)
    _send_invitation(invitation, link, current_user)
    return redirect(url_for("organizations.people", organization_id=organization.id))


@bp.route("/<int:organization_id>/people/<int:membership_id>/<any(deactivate, reactivate):action>", methods=["POST"])
@login_required
def set_member_active(organization_id: int, membership_id: int, action: str):
    organization = _load(organization_id)
    authorize(permissions.can_manage_people(current_user, organization))
    members = {m.id for m in organizations.list_members(db.session, organization)}
    if membership_id not in members:
        raise NotFound("No such member in this organization.")
    with transaction.write(flash_error=True) as outcome:
        membership = accounts.set_membership_active(db.session, current_user, membership_id, action == "reactivate",
                                                     utcnow())
    if not outcome.failed:
        verb = "re-activated" if membership.active else "deactivated"
        flash(f"{membership.user.display_name} ({membership.role.value}) {verb}.", "success")
    return redirect(url_for("organizations.people", organization_id=organization.id))
