"""Food banks and shelters post what they need."""
from flask import Blueprint

bp = Blueprint("needs", __name__, url_prefix="/needs")

from coalition.blueprints.needs import views  # noqa: E402,F401
