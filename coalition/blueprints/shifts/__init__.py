"""Drivers' availability pages: post a shift, a weekly pattern, cancel."""
from flask import Blueprint

bp = Blueprint("shifts", __name__, url_prefix="/shifts")

from coalition.blueprints.shifts import views  # noqa: E402,F401
