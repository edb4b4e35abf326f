"""Volunteer readiness: each driver's training, licence, insurance and vehicle; the backbone's expiries
and mentor pairings."""
from flask import Blueprint

bp = Blueprint("readiness", __name__, url_prefix="/readiness")

from coalition.blueprints.readiness import views  # noqa: E402,F401
