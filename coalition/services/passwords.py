"""Password hashing with Argon2id."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from coalition.errors import ValidationError

MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()


def configure(time_cost: int, memory_cost_kib: int) -> None:
    """Set the Argon2 cost. Called once by create_app(); tests make it cheap."""
    global _hasher
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=1)


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
