"""The home page of each role, health check and vendored front-end assets."""
from flask import Blueprint

bp = Blueprint("main", __name__)

from coalition.blueprints.main import views  # noqa: E402,F401
