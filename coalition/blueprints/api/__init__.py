"""The JSON API. Errors come back as ``{"error": ..., "fields": {...}}`` with a 4xx status."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from coalition.blueprints.api import views  # noqa: E402,F401
