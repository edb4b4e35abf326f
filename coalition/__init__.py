"""Feeding Our City: the coalition's Flask application."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: object | None = None, instance_path: str | Path | None = None) -> Flask:
    """Build the application.

    ``config`` is an object whose upper-case attributes become settings;
    by default :class:`coalition.config.Config` reads the environment.
    ``instance_path`` holds the SQLite database, secret key and uploads
    (default: ``instance/`` beside the package).
    """
    from coalition import cli, errors, models  # noqa: F401  (models registers the tables)
    from coalition.blueprints import register_blueprints
    from coalition.config import Config
    from coalition.extensions import configure_engine, csrf, db, login_manager, migrate
    from coalition.security_headers import register_security_headers
    from coalition.services import passwords

    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder="static",
        instance_path=str(instance_path) if instance_path else None,
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_object(config or Config(Path(app.instance_path)))
    Path(app.config["UPLOAD_FOLDER"]).mkdir(parents=True, exist_ok=True)
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    passwords.configure(app.config["ARGON2_TIME_COST"], app.config["ARGON2_MEMORY_COST_KIB"])

    @login_manager.user_loader
    def _load_user(session_id: str):
        from coalition.services.accounts import user_for_session_id

        return user_for_session_id(db.session, session_id)

    @login_manager.unauthorized_handler
    def _unauthorized():
        from flask import redirect, request, url_for

        if errors.wants_json():
            return errors.error_response(401, "Sign in to use this API.")
        return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))

    errors.register_error_handlers(app)
    register_security_headers(app)
    from coalition.hosts import refuse_untrusted_hosts, trust_proxies
    from coalition.ids import refuse_ids_out_of_range

    refuse_ids_out_of_range(app)
    refuse_untrusted_hosts(app)
    trust_proxies(app)
    register_blueprints(app)
    cli.register(app)

    from coalition.blueprints.filters import register_template_helpers

    register_template_helpers(app)
    return app
