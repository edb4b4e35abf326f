"""Failed sign-in attempts and password-reset requests, kept to throttle guessing and mail floods."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from coalition.extensions import db
from coalition.models.base import UTCDateTime, utcnow


class SignInFailure(db.Model):
    """One failed sign-in, by the e-mail tried and the client address.

    Stored in the database rather than in memory so throttling holds across
    worker processes.
    """

    __tablename__ = "sign_in_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class PasswordResetRequest(db.Model):
    """One request for a password-reset e-mail, by the e-mail asked for and the client address.

    Counted for any address asked for, with or without an account, so the limit says nothing about
    which addresses exist; in the database, like sign-in failures, so it holds across workers.
    """

    __tablename__ = "password_reset_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
