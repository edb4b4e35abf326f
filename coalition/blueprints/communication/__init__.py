"""Continuous communication: the backbone's announcements with read receipts, meetings with notes,
decisions and action items, each organization's inbox, and each person's e-mail rhythm."""
from flask import Blueprint

bp = Blueprint("communication", __name__, url_prefix="/communication")

from coalition.blueprints.communication import views  # noqa: E402,F401
