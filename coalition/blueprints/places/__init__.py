"""Finding places: the JSON endpoint behind every form's "Find on map" button."""
from flask import Blueprint

bp = Blueprint("places", __name__, url_prefix="/places")

from coalition.blueprints.places import views  # noqa: E402,F401
