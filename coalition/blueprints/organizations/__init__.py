"""Organization profiles, editing, and each organization's people and invitations."""
from flask import Blueprint

bp = Blueprint("organizations", __name__, url_prefix="/organizations")

from coalition.blueprints.organizations import imports, views  # noqa: E402,F401
