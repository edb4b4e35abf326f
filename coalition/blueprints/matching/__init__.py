"""The backbone's suggested allocation of open supply to open needs."""
from flask import Blueprint

bp = Blueprint("matching", __name__, url_prefix="/matching")

from coalition.blueprints.matching import views  # noqa: E402,F401
