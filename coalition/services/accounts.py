"""Signing in, throttling, password resets, invitations and deactivation."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from coalition import permissions
from coalition.errors import (
    Conflict,
    InvalidCredentials,
    InvalidToken,
    NotFound,
    PermissionDenied,
    TooManyAttempts,
    ValidationError,
)
from coalition.models import Invitation, Membership, Organization, Role, SignInFailure, User, normalize_email
from coalition.services import passwords


@dataclass(frozen=True)
class ThrottlePolicy:
    window_s: int = 15 * 60
    max_failures_per_account: int = 5
    max_failures_per_address: int = 20


def clean_email(email: str, field: str = "email") -> str:
    """Validate the syntax of an address and return it lower-cased, or raise ValidationError."""
    try:
        result = validate_email((email or "").strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise ValidationError("Check the e-mail address.", {field: str(error)}) from None
    return normalize_email(result.normalized)


def get_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalize_email(email)))


def _recent_failures(session: Session, column, value: str, since: dt.datetime) -> int:
    return session.scalar(
        select(func.count()).select_from(SignInFailure).where(column == value, SignInFailure.at >= since)
    ) or 0


def authenticate(
    session: Session, email: str, password: str, address: str, now: dt.datetime, policy: ThrottlePolicy
) -> User:
    """Check an e-mail and password; return the user and record the sign-in time.

    Raises TooManyAttempts when the account or the client address has failed
    too often within the policy window (checked before the password, so a
    guesser learns nothing), and InvalidCredentials otherwise on failure.
    The failure is recorded, never which half of the pair was wrong.
    """
    email = normalize_email(email or "")
    since = now - dt.timedelta(seconds=policy.window_s)
    if (
        _recent_failures(session, SignInFailure.email, email, since) >= policy.max_failures_per_account
        or _recent_failures(session, SignInFailure.address, address, since) >= policy.max_failures_per_address
    ):
        minutes = max(1, policy.window_s // 60)
        raise TooManyAttempts(f"Too many failed sign-ins. Wait {minutes} minutes or reset your password.")
    user = get_user_by_email(session, email) if email else None
    if user is None or not user.active or not passwords.verify_password(user.password_hash, password or ""):
        session.add(SignInFailure(email=email[:254], address=address[:64], at=now))
        session.flush()
        raise InvalidCredentials("That e-mail and password do not match an active account.")
    session.execute(delete(SignInFailure).where(SignInFailure.email == email))
    user.last_login_at = now
    session.flush()
    return user


def prune_sign_in_failures(session: Session, older_than: dt.datetime) -> int:
    """Forget failures that can no longer count toward a lockout; returns how many."""
    result = session.execute(delete(SignInFailure).where(SignInFailure.at < older_than))
    return result.rowcount or 0


# --- password reset -------------------------------------------------------

_RESET_SALT = "password-reset"


def _password_fingerprint(user: User) -> str:
    # Part of the current hash goes into the token, so a token stops working
    # as soon as the password changes (single use).
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def make_password_reset_token(user: User, secret_key: str) -> str:
    serializer = URLSafeTimedSerializer(secret_key, salt=_RESET_SALT)
    return serializer.dumps({"user": user.id, "fp": _password_fingerprint(user)})


def reset_password(session: Session, token: str, new_password: str, secret_key: str, max_age_s: int) -> User:
    """Set a new password from a reset link. Raises InvalidToken for a forged, expired or used link."""
    user = user_for_reset_token(session, token, secret_key, max_age_s)
    passwords.check_strength(new_password)
    user.password_hash = passwords.hash_password(new_password)
    session.flush()
    return user


def user_for_reset_token(session: Session, token: str, secret_key: str, max_age_s: int) -> User:
    serializer = URLSafeTimedSerializer(secret_key, salt=_RESET_SALT)
    try:
        payload = serializer.loads(token, max_age=max_age_s)
    except SignatureExpired:
        raise InvalidToken("This reset link has expired. Ask for a new one.") from None
    except BadSignature:
        raise InvalidToken("This reset link is not valid. Ask for a new one.") from None
    user = session.get(User, payload.get("user")) if isinstance(payload, dict) else None
    if user is None or not user.active or not hmac.compare_digest(payload.get("fp", ""), _password_fingerprint(user)):
        raise InvalidToken("This reset link has already been used. Ask for a new one.")
    return user


# --- invitations ----------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(
    session: Session,
    actor: User,
    organization: Organization,
    email: str,
    role: Role,
    now: dt.datetime,
    max_age_s: int,
) -> tuple[Invitation, str]:
    """Invite an address to take ``role`` in ``organization``.

    Returns the invitation and the secret token for its link (only its
    digest is stored). Raises PermissionDenied when the actor may not invite
    into that role, Conflict when the person already holds it.
    """
    if not permissions.can_invite(actor, organization, role):
        raise PermissionDenied(f"You cannot invite a {role.value} to {organization.name}.")
    email = clean_email(email)
    existing = get_user_by_email(session, email)
    if existing is not None and role in existing.roles_in(organization.id):
        raise Conflict(
            f"{email} is already {role.value} of {organization.name}.", {"email": "Already a member in this role."}
        )
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        email=email,
        organization=organization,
        role=role,
        token_digest=_digest(token),
        invited_by=actor,
        created_at=now,
        expires_at=now + dt.timedelta(seconds=max_age_s),
    )
    session.add(invitation)
    session.flush()
    return invitation, token


def get_open_invitation(session: Session, token: str, now: dt.datetime) -> Invitation:
    invitation = session.scalar(select(Invitation).where(Invitation.token_digest == _digest(token or "")))
    if invitation is None:
        raise InvalidToken("This invitation link is not valid.")
    if invitation.accepted_at is not None:
        raise InvalidToken("This invitation has already been accepted. Sign in instead.")
    if invitation.revoked_at is not None or not invitation.is_open(now):
        raise InvalidToken("This invitation has expired. Ask the person who invited you for a new one.")
    return invitation


def accept_invitation(
    session: Session,
    token: str,
    now: dt.datetime,
    display_name: str | None = None,
    password: str | None = None,
    signed_in_user: User | None = None,
) -> User:
    """Accept an invitation: create the account (new address) or add the role (existing account).

    A new address needs a display name and password. An address that already
    has an account must be accepted by that account, signed in, so nobody can
    attach roles to someone else's account with a leaked link.
    """
    invitation = get_open_invitation(session, token, now)
    user = get_user_by_email(session, invitation.email)
    if user is None:
        display_name = (display_name or "").strip()
        errors = {}
        if not display_name:
            errors["display_name"] = "Tell us your name."
        if errors:
            raise ValidationError("Please complete the form.", errors)
        passwords.check_strength(password or "")
        user = User(
            email=invitation.email,
            display_name=display_name[:120],
            password_hash=passwords.hash_password(password),
            created_at=now,
        )
        session.add(user)
    elif signed_in_user is None or signed_in_user.id != user.id:
        raise PermissionDenied(f"An account for {invitation.email} exists: sign in as it to accept.")
    membership = session.scalar(
        select(Membership).where(
            Membership.user_id == user.id,
            Membership.organization_id == invitation.organization_id,
            Membership.role == invitation.role,
        )
    ) if user.id is not None else None
    if membership is None:
        session.add(Membership(user=user, organization=invitation.organization, role=invitation.role, created_at=now))
    else:
        membership.active = True
    invitation.accepted_at = now
    session.flush()
    return user


def list_open_invitations(session: Session, organization: Organization, now: dt.datetime) -> list[Invitation]:
    return list(
        session.scalars(
            select(Invitation)
            .where(
                Invitation.organization_id == organization.id,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > now,
            )
            .order_by(Invitation.created_at.desc())
        )
    )


def set_membership_active(session: Session, actor: User, membership_id: int, active: bool) -> Membership:
    """Deactivate (or re-activate) someone's role in the actor's organization."""
    membership = session.get(Membership, membership_id)
    if membership is None:
        raise NotFound("No such member.")
    if not permissions.can_manage_people(actor, membership.organization):
        raise PermissionDenied("Only this organization's admins can change its people.")
    if membership.user_id == actor.id:
        raise Conflict("You cannot deactivate yourself. Ask another admin.")
    membership.active = active
    session.flush()
    return membership
