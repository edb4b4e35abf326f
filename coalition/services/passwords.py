"""Password hashing with Argon2id."""
from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from coalition.errors import ValidationError

MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()
_dummy_hash: str | None = None


def configure(time_cost: int, memory_cost_kib: int) -> None:
    """Set the Argon2 cost. Called once by create_app(); tests make it cheap."""
    global _hasher, _dummy_hash
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=1)
    _dummy_hash = None


def check_strength(password: str) -> None:
    """Raise ValidationError on the ``password`` field when it is too weak to accept."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            "Choose a longer password.",
            {"password": f"Use at least {MIN_PASSWORD_LENGTH} characters."},
        )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_or_waste(password_hash: str | None, password: str) -> bool:
    """Like verify_password, but an account without a hash (unknown e-mail, deactivated person) is checked
    against a dummy hash of the same cost, so the answer takes as long and timing tells nothing.

    Always False for a missing ``password_hash``.
    """
    global _dummy_hash
    if password_hash:
        return verify_password(password_hash, password)
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash(secrets.token_urlsafe(16))
    verify_password(_dummy_hash, password)
    return False
