"""Recipients and the backbone manage claims: schedule, undo, release, reassign."""
from flask import Blueprint

bp = Blueprint("claims", __name__, url_prefix="/claims")

from coalition.blueprints.claims import views  # noqa: E402,F401
