"""Helpers shared by the recipient-side pages (supply, claims, needs): on whose behalf, and local times."""
from __future__ import annotations

import datetime as dt
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from coalition import permissions
from coalition.errors import PermissionDenied
from coalition.extensions import db
from coalition.models import Organization
from coalition.services import needs


def acting_recipients() -> list[Organization]:
    """The food banks and shelters the signed-in person may act for (every one, for the backbone)."""
    if permissions.is_backbone_staff(current_user):
        return needs.list_recipients(db.session)
    return permissions.recipient_organizations(current_user)


def chosen_recipient(raw_id, required: bool = False) -> Organization | None:
    """The recipient picked with ``?org=`` (or a form field) among those the person may act for.

    Without a choice: the person's own first recipient; None for the backbone
    (who then sees everything) unless ``required``. A recipient the person may
    not act for is refused.
    """
    choices = acting_recipients()
    if raw_id not in (None, ""):
        try:
            wanted = int(raw_id)
        except (TypeError, ValueError):
            wanted = None
        for organization in choices:
            if organization.id == wanted:
                return organization
        raise PermissionDenied("You cannot act for that organization.")
    own = permissions.recipient_organizations(current_user)
    if own:
        return own[0]
    if required and choices:
        return choices[0]
    return None


def recipient_choices(blank: str | None = None) -> list[SelectChoice]:
    options = [SelectChoice(str(o.id), o.name) for o in acting_recipients()]
    return ([SelectChoice("", blank)] if blank is not None else []) + options




def human_duration(value: dt.timedelta) -> str:
    """ "3 h 20 min", "45 min", "2 days 4 h"; "over" when not positive."""
    minutes = int(value.total_seconds() // 60)
    if minutes <= 0:
        return "over"
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} day{'s' if days > 1 else ''} {hours} h" if hours else f"{days} day{'s' if days > 1 else ''}"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"
