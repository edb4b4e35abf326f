"""Co-creation projects: partners, goals in the shared indicators with progress, tasks and a timeline."""
from flask import Blueprint

bp = Blueprint("projects", __name__, url_prefix="/projects")

from coalition.blueprints.projects import views  # noqa: E402,F401
