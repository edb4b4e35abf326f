"""The coordinator's planning pages: preview a day, plan routes in the background, review, move, publish."""
from flask import Blueprint

bp = Blueprint("planning", __name__, url_prefix="/planning")

from coalition.blueprints.planning import views  # noqa: E402,F401
