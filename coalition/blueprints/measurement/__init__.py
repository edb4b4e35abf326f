"""Shared measurement: the backbone's, each partner's and the public dashboards, the goal, partner reports,
neighborhood import, CSV/GeoJSON downloads, the ``flask measurement`` commands and ``GET /api/v1/indicators``.

``measurement_api`` is its own small blueprint under ``/api/v1`` so it can sit beside the API engineer's
``api`` blueprint (bearer tokens reach it through their Flask-Login request loader for ``/api/`` paths).
"""
from flask import Blueprint

bp = Blueprint("measurement", __name__, url_prefix="/measurement", cli_group="measurement")
api_bp = Blueprint("measurement_api", __name__, url_prefix="/api/v1")

from coalition.blueprints.measurement import api, cli, progress, views  # noqa: E402,F401
