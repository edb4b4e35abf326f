"""The driver's side of dispatch: today's route on a phone (offline too), rescues, cover, the calendar feed."""
from flask import Blueprint

bp = Blueprint("driver", __name__, url_prefix="/driver")

from coalition.blueprints.driver import views  # noqa: E402,F401
