"""The audit trail: who changed what, and when."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.extensions import db
from coalition.models.base import UTCDateTime, utcnow
from coalition.models.user import User


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"), index=True)
    entity: Mapped[str] = mapped_column(String(40))       # "donation", "claim", "need" ...
    entity_id: Mapped[int] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(40))       # "posted", "claimed", "cancelled" ...
    changes: Mapped[dict] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship()
