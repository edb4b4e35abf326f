"""Signing in, throttling, password resets, invitations and deactivation."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select, update
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
from coalition.models import (
    ApiToken,
    Invitation,
    Membership,
    Organization,
    PasswordResetRequest,
    Role,
    SignInFailure,
    User,
    normalize_email,
)
from coalition.services import passwords


@dataclass(frozen=True)
class ThrottlePolicy:
    window_s: int = 15 * 60
    max_failures_per_account: int = 5
    max_failures_per_address: int = 20

    @classmethod
    def from_config(cls, config) -> ThrottlePolicy:
        """The sign-in limits the app is configured with (the web form and the API's token share them)."""
        return cls(
            window_s=config["SIGNIN_WINDOW_S"],
            max_failures_per_account=config["SIGNIN_MAX_FAILURES_PER_ACCOUNT"],
            max_failures_per_address=config["SIGNIN_MAX_FAILURES_PER_ADDRESS"],
        )


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
    # Unknown and deactivated accounts still pay for one Argon2 verification: equal time, no probing.
    usable_hash = user.password_hash if user is not None and user.active else None
    if not passwords.verify_or_waste(usable_hash, password or ""):
        session.add(SignInFailure(email=email[:254], address=address[:64], at=now))
        session.flush()
        raise InvalidCredentials("That e-mail and password do not match an active account.")
    session.execute(delete(SignInFailure).where(SignInFailure.email == email))
    user.last_login_at = now
    session.flush()
    return user


def prune_sign_in_failures(session: Session, older_than: dt.datetime) -> int:
    """Forget sign-in failures and reset requests that can no longer count toward a limit; returns how many."""
    result = session.execute(delete(SignInFailure).where(SignInFailure.at < older_than))
    resets = session.execute(delete(PasswordResetRequest).where(PasswordResetRequest.at < older_than))
    return (result.rowcount or 0) + (resets.rowcount or 0)


# --- sessions -------------------------------------------------------------


def end_all_sessions(session: Session, user: User, now: dt.datetime, revoke_api_tokens: bool = True) -> None:
    """End every browser session and remember-me cookie of ``user`` (and, by default, their API tokens).

    Sessions carry the user's session generation (User.get_id); raising it makes every cookie signed
    before now name no one. Signing out keeps API tokens (a phone app is not the browser that signed
    out); a new password or a deactivation revokes them too.
    """
    user.session_generation = (user.session_generation or 0) + 1
    if revoke_api_tokens:
        session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                        .values(revoked_at=now))
    session.flush()


def user_for_session_id(session: Session, session_id: str) -> User | None:
    """The active user a session's ``"<id>.<generation>"`` names, or None when the generation is stale."""
    from coalition.ids import parse_id

    user_part, _, generation = (session_id or "").partition(".")
    user_id = parse_id(user_part)
    if user_id is None or not generation.isascii() or not generation.isdigit():
        return None
    user = session.get(User, user_id)
    if user is None or str(user.session_generation or 0) != generation:
        return None
    return user


# --- password-reset requests ----------------------------------------------


@dataclass(frozen=True)
class ResetPolicy:
    window_s: int = 3600
    max_per_account: int = 3
    max_per_address: int = 10


def request_password_reset(
    session: Session, email: str, address: str, now: dt.datetime, policy: ResetPolicy
) -> User | None:
    """Record a request for a reset e-mail; return the active account to mail, or None.

    Raises TooManyAttempts when this e-mail or this client address asked too often within the window.
    Requests are counted by the address asked for, account or not, so neither the limit nor the answer
    tells whether an account exists.
    """
    email = normalize_email(email or "")[:254]
    since = now - dt.timedelta(seconds=policy.window_s)

    def recent(column, value: str) -> int:
        return session.scalar(select(func.count()).select_from(PasswordResetRequest)
                              .where(column == value, PasswordResetRequest.at >= since)) or 0

    if (recent(PasswordResetRequest.email, email) >= policy.max_per_account
            or recent(PasswordResetRequest.address, address) >= policy.max_per_address):
        minutes = max(1, policy.window_s // 60)
        raise TooManyAttempts(f"Too many password-reset requests. Wait {minutes} minutes and try again.")
    session.add(PasswordResetRequest(email=email, address=address[:64], at=now))
    session.flush()
    user = get_user_by_email(session, email)
    return user if user is not None and user.active else None


# --- password reset -------------------------------------------------------

_RESET_SALT = "password-reset"


def _password_fingerprint(user: User) -> str:
    # Part of the current hash goes into the token, so a token stops working
    # as soon as the password changes (single use).
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def make_password_reset_token(user: User, secret_key: str) -> str:
    serializer = URLSafeTimedSerializer(secret_key, salt=_RESET_SALT)
    return serializer.dumps({"user": user.id, "fp": _password_fingerprint(user)})


def reset_password(session: Session, token: str, new_password: str, secret_key: str, max_age_s: int,
                   now: dt.datetime | None = None) -> User:
    """Set a new password from a reset link and end all the person's sessions and API tokens (whoever
    knew the old password is signed out). Raises InvalidToken for a forged, expired or used link."""
    user = user_for_reset_token(session, token, secret_key, max_age_s)
    passwords.check_strength(new_password)
    user.password_hash = passwords.hash_password(new_password)
    end_all_sessions(session, user, now or dt.datetime.now(dt.timezone.utc))
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


def set_membership_active(session: Session, actor: User, membership_id: int, active: bool,
                          now: dt.datetime | None = None) -> Membership:
    """Deactivate (or re-activate) someone's role in the actor's organization.

    Deactivating ends all that person's sessions and API tokens: whatever they had open was opened with
    the role now taken away.
    """
    membership = session.get(Membership, membership_id)
    if membership is None:
        raise NotFound("No such member.")
    if not permissions.can_manage_people(actor, membership.organization):
        raise PermissionDenied("Only this organization's admins can change its people.")
    if membership.user_id == actor.id:
        raise Conflict("You cannot deactivate yourself. Ask another admin.")
    membership.active = active
    if not active:
        end_all_sessions(session, membership.user, now or dt.datetime.now(dt.timezone.utc))
    session.flush()
    return membership
