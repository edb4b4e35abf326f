"""Recipients browse open supply nearest first and claim it."""
from flask import Blueprint

bp = Blueprint("supply", __name__, url_prefix="/supply")

from coalition.blueprints.supply import views  # noqa: E402,F401
