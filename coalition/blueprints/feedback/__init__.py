"""Feedback: recipients rate deliveries, drivers flag pickup problems, the backbone sees repeated problems."""
from flask import Blueprint

bp = Blueprint("feedback", __name__, url_prefix="/feedback")

from coalition.blueprints.feedback import views  # noqa: E402,F401
