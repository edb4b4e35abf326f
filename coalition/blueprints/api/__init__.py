"""The JSON API: ``/api/v1/...`` for phone apps and partner systems, and its OpenAPI document.

Errors come back as ``{"error": ..., "fields": {...}}`` with a 4xx status.

Authentication: ``Authorization: Bearer <token>`` (from ``POST /api/v1/auth/token``),
loaded through Flask-Login's request loader so ``current_user`` and the
permission predicates work exactly as on the pages. A signed-in browser
session works too, but then every state-changing request must carry the
page's CSRF token in an ``X-CSRFToken`` header; bearer requests need none
(a cross-site page cannot set that header). A request carrying both is refused.
"""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from coalition.blueprints.api import auth, claims, donations, needs, openapi, views  # noqa: E402,F401
