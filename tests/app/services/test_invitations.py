"""Invitations: coalition admins invite an organization's first admin; organization admins invite their team."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from coalition.errors import Conflict, InvalidToken, PermissionDenied, ValidationError
from coalition.models import Invitation, Membership, Organization, Role
from coalition.services import accounts
from tests.fixtures.web import csrf_token_from, sign_in

NEW_ORG_FORM = {
    "kind": "shelter", "name": "Burnside Warming Center", "address": "100 W Burnside St, Portland, OR",
    "latitude": "45.523", "longitude": "-122.670", "phone": "503-555-0199",
    "refrigerated_capacity_kg": "50", "frozen_capacity_kg": "10",
    "hours_mon": "09:00-12:00, 13:00-20:00", "admin_email": "Director@Burnside.example",
}


def _invitation_path(html: str) -> str:
    match = re.search(r"http://localhost(/invitations/[A-Za-z0-9_\-]+)", html)
    assert match, "the invitation link is not shown"
    return match.group(1)


def test_coalition_admin_adds_an_organization_and_its_first_admin_accepts(login_as, client, app, session):
    login_as("backbone")
    page = client.get("/organizations/new").get_data(as_text=True)
    response = client.post("/organizations/new", data={**NEW_ORG_FORM, "csrf_token": csrf_token_from(page)}, follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Burnside Warming Center" in html
    link = _invitation_path(html)

    organization = session.scalar(select(Organization).where(Organization.name == "Burnside Warming Center"))
    assert organization.hours == {"mon": [["09:00", "12:00"], ["13:00", "20:00"]]}
    assert organization.refrigerated_capacity_kg == 50

    invitee = app.test_client()
    form = invitee.get(link)
    assert form.status_code == 200
    assert "director@burnside.example" in form.get_data(as_text=True)
    response = invitee.post(link, data={
        "display_name": "Dee Director", "password": "warm-and-fed-2026", "confirm": "warm-and-fed-2026",
        "csrf_token": csrf_token_from(form.get_data(as_text=True)),
    })
    assert response.status_code == 302
    assert "Burnside Warming Center" in invitee.get("/").get_data(as_text=True)
    membership = session.scalar(select(Membership).join(Membership.user).where(Membership.organization_id == organization.id))
    assert membership.role is Role.ADMIN and membership.user.email == "director@burnside.example"

    again = app.test_client().get(link)
    assert again.status_code == 400
    assert "already been accepted" in again.get_data(as_text=True)


def test_a_bad_organization_form_shows_errors_beside_fields_and_saves_nothing(login_as, client, session):
    login_as("backbone")
    page = client.get("/organizations/new").get_data(as_text=True)
    bad = {**NEW_ORG_FORM, "latitude": "95", "hours_tue": "9am to 5pm", "admin_email": "not-an-email",
           "csrf_token": csrf_token_from(page)}
    response = client.post("/organizations/new", data=bad)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="latitude-error"' in html
    assert session.scalar(select(Organization).where(Organization.name == "Burnside Warming Center")) is None
    # With the form's own checks passing, the services' checks report every bad field at once.
    bad["latitude"] = "45.5"
    response = client.post("/organizations/new", data=bad)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="hours_tue-error"' in html and 'id="admin_email-error"' in html
    assert session.scalar(select(Organization).where(Organization.name == "Burnside Warming Center")) is None
    assert session.scalar(select(Invitation).where(Invitation.email == "not-an-email")) is None


def test_an_organization_admin_invites_staff_and_drivers_but_not_into_other_organizations(session, user, org):
    grocer = user("grocer@example.org")
    store = org("Hawthorne Green Grocer")
    now = dt.datetime.now(dt.timezone.utc)
    for role in (Role.STAFF, Role.DRIVER, Role.COORDINATOR, Role.ADMIN):
        invitation, token = accounts.invite(session, grocer, store, f"new-{role.value}@example.org", role, now, 3600)
        assert invitation.role is role and token
    with pytest.raises(PermissionDenied):
        accounts.invite(session, grocer, org("Alberta Street Market"), "x@example.org", Role.STAFF, now, 3600)


def test_a_coalition_admin_invites_only_admins_of_other_organizations(session, user, org):
    backbone = user("backbone@example.org")
    now = dt.datetime.now(dt.timezone.utc)
    accounts.invite(session, backbone, org("Alberta Street Market"), "boss@alberta.example", Role.ADMIN, now, 3600)
    with pytest.raises(PermissionDenied):
        accounts.invite(session, backbone, org("Alberta Street Market"), "clerk@alberta.example", Role.STAFF, now, 3600)


def test_staff_cannot_invite_anyone(session, user, org):
    with pytest.raises(PermissionDenied):
        accounts.invite(session, user("grocer.staff@example.org"), org("Hawthorne Green Grocer"), "a@example.org",
                        Role.STAFF, dt.datetime.now(dt.timezone.utc), 3600)


def test_inviting_someone_already_in_that_role_is_a_conflict(session, user, org):
    with pytest.raises(Conflict):
        accounts.invite(session, user("grocer@example.org"), org("Hawthorne Green Grocer"), "GROCER.STAFF@example.org",
                        Role.STAFF, dt.datetime.now(dt.timezone.utc), 3600)


def test_an_expired_invitation_cannot_be_accepted(session, user, org, client):
    now = dt.datetime.now(dt.timezone.utc)
    _, token = accounts.invite(session, user("grocer@example.org"), org("Hawthorne Green Grocer"), "late@example.org",
                               Role.STAFF, now - dt.timedelta(days=8), 7 * 24 * 3600)
    session.commit()
    with pytest.raises(InvalidToken):
        accounts.accept_invitation(session, token, now, display_name="Late", password="long-enough-pw")
    response = client.get(f"/invitations/{token}")
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_accepting_needs_a_name_and_a_strong_password_and_saves_nothing_otherwise(session, user, org):
    now = dt.datetime.now(dt.timezone.utc)
    _, token = accounts.invite(session, user("grocer@example.org"), org("Hawthorne Green Grocer"), "new@example.org",
                               Role.DRIVER, now, 3600)
    with pytest.raises(ValidationError) as error:
        accounts.accept_invitation(session, token, now, display_name="New", password="short")
    assert "password" in error.value.fields
    with pytest.raises(ValidationError) as error:
        accounts.accept_invitation(session, token, now, display_name="  ", password="long-enough-pw")
    assert "display_name" in error.value.fields
    assert accounts.get_user_by_email(session, "new@example.org") is None


def test_an_existing_account_must_be_signed_in_to_accept(session, user, org, app):
    now = dt.datetime.now(dt.timezone.utc)
    farmer = user("farmer@example.org")
    _, token = accounts.invite(session, user("grocer@example.org"), org("Hawthorne Green Grocer"), "farmer@example.org",
                               Role.DRIVER, now, 3600)
    with pytest.raises(PermissionDenied):
        accounts.accept_invitation(session, token, now, signed_in_user=user("driver@example.org"))
    accepted = accounts.accept_invitation(session, token, now, signed_in_user=farmer)
    assert Role.DRIVER in accepted.roles_in(org("Hawthorne Green Grocer").id)
    assert Role.ADMIN in accepted.roles_in(org("Sauvie Island Growers").id)


def test_an_admin_deactivates_a_staff_member_who_then_loses_access(login_as, client, session, org, user, app):
    store = org("Hawthorne Green Grocer")
    staff = session.scalar(select(Membership).where(Membership.organization_id == store.id, Membership.role == Role.STAFF))
    login_as("grocer")
    people = client.get(f"/organizations/{store.id}/people").get_data(as_text=True)
    assert "Sam Stocker" in people
    response = client.post(f"/organizations/{store.id}/people/{staff.id}/deactivate", data={"csrf_token": csrf_token_from(people)})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Membership, staff.id).active is False
    staff_client = app.test_client()
    sign_in(staff_client, "grocer.staff@example.org")
    assert "not an active member" in staff_client.get("/").get_data(as_text=True)
    assert staff_client.get(f"/organizations/{store.id}/edit").status_code == 403


def test_an_admin_cannot_deactivate_themself(session, user, org):
    grocer = user("grocer@example.org")
    own = next(m for m in grocer.memberships if m.organization.name == "Hawthorne Green Grocer")
    with pytest.raises(Conflict):
        accounts.set_membership_active(session, grocer, own.id, False)


def test_invitation_links_are_stored_only_as_digests(session, user, org):
    _, token = accounts.invite(session, user("grocer@example.org"), org("Hawthorne Green Grocer"), "d@example.org",
                               Role.STAFF, dt.datetime.now(dt.timezone.utc), 3600)
    stored = session.scalar(select(Invitation).where(Invitation.email == "d@example.org"))
    assert token not in stored.token_digest and len(stored.token_digest) == 64
