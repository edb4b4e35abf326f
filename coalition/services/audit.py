"""Recording who changed what, and when."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from coalition.models import AuditEvent, User


def record(
    session: Session,
    actor: User | None,
    entity: str,
    entity_id: int,
    action: str,
    now: dt.datetime,
    organization_id: int | None = None,
    **changes,
) -> AuditEvent:
    """Add one audit event; ``changes`` are JSON-safe values describing what changed."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        organization_id=organization_id,
        entity=entity,
        entity_id=entity_id,
        action=action,
        at=now,
        changes=changes,
    )
    session.add(event)
    return event


def list_events(session: Session, entity: str, entity_id: int) -> list[AuditEvent]:
    return list(session.scalars(
        select(AuditEvent).where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id).order_by(AuditEvent.at, AuditEvent.id)
    ))
