"""Signing in and out, password resets and accepting invitations."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from coalition.blueprints.auth import views  # noqa: E402,F401
