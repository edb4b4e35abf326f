"""The signed-in person's view of partners' sites, made once per request for views and templates."""
from __future__ import annotations

from flask import g
from flask_login import current_user

from coalition.blueprints.local_time import local_zone
from coalition.extensions import db
from coalition.models.base import utcnow
from coalition.services.places import Place, Places


def viewer_places() -> Places:
    """``Places`` for ``current_user`` at this request's moment, in the coalition's time zone."""
    if "viewer_places" not in g:
        g.viewer_places = Places(db.session, current_user, utcnow(), local_zone())
    return g.viewer_places


def place(organization) -> Place:
    """Template global: ``place(organization)`` is that site as the signed-in person may see it."""
    return viewer_places()(organization)
