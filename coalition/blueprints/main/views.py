from __future__ import annotations

import xstatic.pkg.leaflet
from flask import render_template, send_from_directory
from flask_login import current_user

from coalition.blueprints.main import bp
from coalition.extensions import db
from coalition.services import home as home_service


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return render_template("main/welcome.html")
    return render_template("main/home.html", overview=home_service.build_home(db.session, current_user))


@bp.route("/healthz")
def health():
    return {"status": "ok"}


@bp.route("/vendor/leaflet/<path:filename>")
def leaflet_asset(filename: str):
    """Leaflet served from its PyPI package (XStatic-Leaflet), never a CDN."""
    return send_from_directory(xstatic.pkg.leaflet.BASE_DIR, filename, max_age=7 * 24 * 3600)

