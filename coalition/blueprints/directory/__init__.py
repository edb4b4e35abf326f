"""The partner directory: profiles with role in the plan and contribution, the backbone's network map,
table and CSV, and confirming that details are current."""
from flask import Blueprint

bp = Blueprint("directory", __name__, url_prefix="/directory")

from coalition.blueprints.directory import views  # noqa: E402,F401
