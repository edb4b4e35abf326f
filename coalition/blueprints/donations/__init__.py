"""Donors post surplus and produce, repeat and schedule pickups, and manage their donations."""
from flask import Blueprint

bp = Blueprint("donations", __name__, url_prefix="/donations")

from coalition.blueprints.donations import views  # noqa: E402,F401
