"""Bearer tokens for the JSON API: issuing, looking up and revoking them.

The secret is handed to the client once; only its SHA-256 digest is stored,
so a leaked database does not leak working tokens.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from coalition.errors import Conflict
from coalition.models import ApiToken, User

# Longer headers are not ours: refuse them before hashing.
MAX_TOKEN_LENGTH = 200


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def issue_token(session: Session, user: User, now: dt.datetime, max_age_s: int) -> tuple[ApiToken, str]:
    """Create a token for ``user`` valid for ``max_age_s`` seconds from ``now``.

    Returns the stored row and the secret to give the client (shown once).
    """
    secret = secrets.token_urlsafe(32)
    token = ApiToken(user=user, token_digest=digest(secret), created_at=now,
                     expires_at=now + dt.timedelta(seconds=max_age_s))
    session.add(token)
    session.flush()
    return token, secret


def find_valid_token(session: Session, secret: str, now: dt.datetime) -> ApiToken | None:
    """The unexpired, unrevoked token of an active user with this secret, or None."""
    if not secret or len(secret) > MAX_TOKEN_LENGTH:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_digest == digest(secret)))
    if token is None or not token.is_valid(now) or not token.user.active:
        return None
    return token


def revoke_token(session: Session, token: ApiToken, now: dt.datetime) -> ApiToken:
    """Revoke a token at once; it cannot be used again. Raises Conflict if it already was."""
    if token.revoked_at is not None:
        raise Conflict("This token was already revoked.")
    token.revoked_at = now
    session.flush()
    return token
