"""The in-app notification centre and each person's notification choices."""
from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

from coalition.blueprints.notifications import views  # noqa: E402,F401
