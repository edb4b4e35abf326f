"""Blueprints, one package per area of the site."""
from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from coalition.blueprints.api import bp as api_bp
    from coalition.blueprints.auth import bp as auth_bp
    from coalition.blueprints.main import bp as main_bp
    from coalition.blueprints.organizations import bp as organizations_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(organizations_bp)
    app.register_blueprint(api_bp)
