"""Configuration from the environment, and the secret key kept in instance/."""
from __future__ import annotations

import os
import stat

from coalition import create_app
from coalition.config import Config, load_or_create_secret_key


def test_a_missing_secret_key_is_generated_once_and_reused(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = load_or_create_secret_key(tmp_path)
    second = load_or_create_secret_key(tmp_path)
    assert first == second and len(first) >= 40
    assert stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode) == 0o600


def test_secret_key_from_the_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    assert load_or_create_secret_key(tmp_path) == "from-env"
    assert not (tmp_path / "secret_key").exists()


def test_settings_come_from_environment_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///elsewhere.db")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.org")
    monkeypatch.setenv("MAIL_PORT", "2525")
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "true")
    config = Config(tmp_path)
    assert config.SQLALCHEMY_DATABASE_URI == "sqlite:///elsewhere.db"
    assert config.REDIS_URL == "redis://127.0.0.1:6379/0"
    assert (config.MAIL_SERVER, config.MAIL_PORT) == ("smtp.example.org", 2525)
    assert config.SESSION_COOKIE_SECURE is True and config.REMEMBER_COOKIE_SECURE is True


def test_the_default_database_is_sqlite_under_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app(instance_path=tmp_path)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'coalition.sqlite3'}"
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert (tmp_path / "secret_key").exists()


def test_wsgi_exposes_an_app_for_gunicorn(monkeypatch, tmp_path):
    import importlib

    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'w.db'}")
    module = importlib.import_module("wsgi")
    assert module.app.name == "coalition"
