"""Configuration read from the environment.

Every setting has a safe default for the embedded mode (SQLite under
``instance/``, jobs in-process, e-mail written to the log). Production sets
the environment variables documented in README.md.
"""
from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


def _list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def _hosts_of(base_url: str | None) -> list[str] | None:
    host = urlsplit(base_url).hostname if base_url else None
    return [host] if host else None


def load_or_create_secret_key(instance_path: Path) -> str:
    """Return SECRET_KEY from the environment, or from ``instance/secret_key``.

    When neither exists a random key is generated once and written with
    owner-only permissions, so sessions survive restarts without a secret
    ever being committed.
    """
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


class Config:
    """Settings for a running coalition server, from environment variables."""

    def __init__(self, instance_path: Path):
        self.SECRET_KEY = load_or_create_secret_key(instance_path)
        self.SQLALCHEMY_DATABASE_URI = os.environ.get(
            "DATABASE_URL", f"sqlite:///{instance_path / 'coalition.sqlite3'}"
        )
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.REDIS_URL = os.environ.get("REDIS_URL") or None
        self.UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(instance_path / "uploads"))
        self.MAX_CONTENT_LENGTH = _int("MAX_UPLOAD_BYTES", 8 * 1024 * 1024)
        self.MAX_PHOTO_BYTES = _int("MAX_PHOTO_BYTES", 5 * 1024 * 1024)
        self.COALITION_TIMEZONE = os.environ.get("COALITION_TIMEZONE", "America/Los_Angeles")
        self.COALITION_NAME = os.environ.get("COALITION_NAME", "Feeding Our City")
        # What people read and type: "lb" (the default: the demo coalition is in Portland, Oregon) or "kg".
        # Storage is grams either way, and the JSON API speaks kilograms.
        self.WEIGHT_UNIT = (os.environ.get("WEIGHT_UNIT") or "lb").strip().lower()
        if self.WEIGHT_UNIT not in ("lb", "kg"):
            raise ValueError(f"WEIGHT_UNIT must be lb or kg, not {self.WEIGHT_UNIT!r}")
        # The site's own address: every link in an e-mail or feed is built from it (never from a request's
        # Host header). Unset, no link is sent rather than one guessed (coalition/mail_links.py).
        self.BASE_URL = os.environ.get("BASE_URL") or None
        # Host names requests may use (comma-separated); others get 400. Defaults to BASE_URL's host.
        self.TRUSTED_HOSTS = _list("TRUSTED_HOSTS") or _hosts_of(self.BASE_URL)
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are believed (coalition/hosts.py).
        self.TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)
        self._read_places()
        self._read_messages()
        self._read_sign_in()
        self._read_rules()

    def _read_places(self) -> None:
        """Map tiles, the geocoder and the service area."""
        self.MAP_TILE_URL = os.environ.get(
            "MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
        )
        self.MAP_TILE_ATTRIBUTION = os.environ.get(
            "MAP_TILE_ATTRIBUTION", "&copy; OpenStreetMap contributors"
        )
        # Geocoding: without GEOCODER_URL no geocoder is asked (no public server by default); places are
        # given by pin or coordinates. GEOCODER_MIN_DELAY_S spaces requests (the public Nominatim asks for 1 s).
        self.GEOCODER = (os.environ.get("GEOCODER") or "nominatim").strip().lower()
        if self.GEOCODER not in ("nominatim", "photon", "pelias"):
            raise ValueError(f"GEOCODER must be nominatim, photon or pelias, not {self.GEOCODER!r}")
        self.GEOCODER_URL = os.environ.get("GEOCODER_URL") or None
        # Names the coalition to the geocoder's operator (default: "<COALITION_NAME> food-rescue coalition").
        self.GEOCODER_USER_AGENT = os.environ.get("GEOCODER_USER_AGENT") or None
        self.GEOCODER_TIMEOUT_S = _float("GEOCODER_TIMEOUT_S", 5.0)
        self.GEOCODER_MIN_DELAY_S = _float("GEOCODER_MIN_DELAY_S", 1.0)
        # A place farther than this from every partner is saved only once the person confirms it.
        self.SERVICE_AREA_KM = _float("SERVICE_AREA_KM", 50.0)

    def _read_messages(self) -> None:
        """E-mail and web push."""
        # Mail: when MAIL_SERVER is empty, messages are logged and links are
        # shown to the admin who sent them.
        self.MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
        self.MAIL_PORT = _int("MAIL_PORT", 25)
        self.MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
        self.MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
        self.MAIL_FROM = os.environ.get("MAIL_FROM", "no-reply@feedingourcity.example")
        # Web push: both VAPID keys (py-vapid: `vapid --gen`, then `vapid --applicationServerKey`)
        # turn it on; the subject (mailto: or https:) tells push services whom to contact.
        self.VAPID_PUBLIC_KEY = os.environ.get("VAPID_PUBLIC_KEY") or None
        self.VAPID_PRIVATE_KEY = os.environ.get("VAPID_PRIVATE_KEY") or None
        self.VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT") or f"mailto:{self.MAIL_FROM}"
        self.PUSH_TTL_S = _int("PUSH_TTL_S", 12 * 3600)
        self.SHIFT_REMINDER_HOUR = _int("SHIFT_REMINDER_HOUR", 18)

    def _read_sign_in(self) -> None:
        """Sessions, cookies, sign-in and reset throttling, link lifetimes and password hashing."""
        # Session cookies: secure unless explicitly serving plain HTTP locally.
        self.SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.SESSION_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.PERMANENT_SESSION_LIFETIME = _int("SESSION_LIFETIME_S", 12 * 3600)
        self.REMEMBER_COOKIE_DURATION = dt.timedelta(days=_int("REMEMBER_DAYS", 30))
        # Sign-in throttling: failures counted over a sliding window.
        self.SIGNIN_WINDOW_S = _int("SIGNIN_WINDOW_S", 15 * 60)
        self.SIGNIN_MAX_FAILURES_PER_ACCOUNT = _int("SIGNIN_MAX_FAILURES_PER_ACCOUNT", 5)
        self.SIGNIN_MAX_FAILURES_PER_ADDRESS = _int("SIGNIN_MAX_FAILURES_PER_ADDRESS", 20)
        self.PASSWORD_RESET_MAX_AGE_S = _int("PASSWORD_RESET_MAX_AGE_S", 3600)
        # Reset e-mails asked for, per e-mail address and per client address, over a sliding window.
        self.RESET_WINDOW_S = _int("RESET_WINDOW_S", 3600)
        self.RESET_MAX_PER_ACCOUNT = _int("RESET_MAX_PER_ACCOUNT", 3)
        self.RESET_MAX_PER_ADDRESS = _int("RESET_MAX_PER_ADDRESS", 10)
        self.INVITATION_MAX_AGE_S = _int("INVITATION_MAX_AGE_S", 7 * 24 * 3600)
        # Argon2 cost; tests lower it so hashing dozens of demo users is quick.
        self.ARGON2_TIME_COST = _int("ARGON2_TIME_COST", 3)
        self.ARGON2_MEMORY_COST_KIB = _int("ARGON2_MEMORY_COST_KIB", 64 * 1024)

    def _read_rules(self) -> None:
        """The marketplace, coordination, travel-time and cold-chain rules."""
        # Marketplace rules.
        self.PRIORITY_CLAIM_MINUTES = _int("PRIORITY_CLAIM_MINUTES", 30)
        self.CLAIM_UNDO_GRACE_S = _int("CLAIM_UNDO_GRACE_S", 10 * 60)
        self.USE_BY_WARNING_H = _int("USE_BY_WARNING_H", 3)
        self.NOTIFY_RADIUS_KM = _int("NOTIFY_RADIUS_KM", 15)
        # Same-day rescues: fitting drivers within RESCUE_RADIUS_KM of the pickup are told nearest first,
        # RESCUE_WAVE_SIZE at a time, the next wave after RESCUE_WAVE_MINUTES if nobody took it, and a
        # driver at most RESCUE_ALERTS_PER_DRIVER_DAY times a day.
        self.RESCUE_RADIUS_KM = _float("RESCUE_RADIUS_KM", 15.0)
        self.RESCUE_WAVE_SIZE = _int("RESCUE_WAVE_SIZE", 3)
        self.RESCUE_WAVE_MINUTES = _int("RESCUE_WAVE_MINUTES", 10)
        self.RESCUE_ALERTS_PER_DRIVER_DAY = _int("RESCUE_ALERTS_PER_DRIVER_DAY", 3)
        # No-shows: a pickup whose driver has not arrived NO_SHOW_MARGIN_MINUTES after they were due is flagged
        # and the driver asked; without an answer for NO_SHOW_ANSWER_MINUTES (or when "on my way" has held it
        # NO_SHOW_HOLD_MINUTES) the coordinators are told.
        self.NO_SHOW_MARGIN_MINUTES = _int("NO_SHOW_MARGIN_MINUTES", 15)
        self.NO_SHOW_ANSWER_MINUTES = _int("NO_SHOW_ANSWER_MINUTES", 10)
        self.NO_SHOW_HOLD_MINUTES = _int("NO_SHOW_HOLD_MINUTES", 20)
        self.API_TOKEN_MAX_AGE_S = _int("API_TOKEN_MAX_AGE_S", 30 * 24 * 3600)
        # Photos stored for a donation posting never finished are deleted by the periodic job after this.
        self.ABANDONED_UPLOAD_GRACE_H = _int("ABANDONED_UPLOAD_GRACE_H", 24)
        # Coordination: directory details older than this are stale; the daily digest goes out after
        # this local hour; an overdue action item is reminded again after this many days.
        self.DIRECTORY_STALE_DAYS = _int("DIRECTORY_STALE_DAYS", 90)
        self.DIGEST_HOUR = _int("DIGEST_HOUR", 7)
        self.ACTION_REMINDER_REPEAT_DAYS = _int("ACTION_REMINDER_REPEAT_DAYS", 7)
        # Road travel times: an OSRM server's base URL (empty: straight-line estimates), the server's
        # --max-table-size (each matrix request stays within it) and how long to wait for an answer.
        self.ROUTING_OSRM_URL = os.environ.get("ROUTING_OSRM_URL") or None
        self.ROUTING_OSRM_TABLE_SIZE = _int("ROUTING_OSRM_TABLE_SIZE", 100)
        self.ROUTING_OSRM_TIMEOUT_S = _int("ROUTING_OSRM_TIMEOUT_S", 10)
        # Temperatures are stored in °C; drivers type and pages show them in this unit ("C" or "F").
        unit = os.environ.get("TEMPERATURE_UNIT", "C").strip().upper()
        if unit not in ("C", "F"):
            raise ValueError(f"TEMPERATURE_UNIT must be C or F, not {unit!r}.")
        self.TEMPERATURE_UNIT = unit
        self.WTF_CSRF_ENABLED = True
        self.WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session


class TestConfig(Config):
    """Settings for the test suite: a throwaway database and cheap hashing."""

    def __init__(self, instance_path: Path, database_url: str):
        super().__init__(instance_path)
        self.TESTING = True
        # Tests read kilograms unless one sets "lb" itself.
        self.WEIGHT_UNIT = "kg"
        self.SECRET_KEY = "test-secret-key-not-for-production"
        self.SQLALCHEMY_DATABASE_URI = database_url
        self.SQLALCHEMY_ENGINE_OPTIONS = {}
        self.REDIS_URL = None
        self.ROUTING_OSRM_URL = None
        self.MAIL_SERVER = None
        # Push is off unless a test turns it on with keys of its own.
        self.VAPID_PUBLIC_KEY = None
        self.VAPID_PRIVATE_KEY = None
        # Tests never reach a real geocoder: the stand-in fixture sets GEOCODER_URL itself.
        self.GEOCODER = "nominatim"
        self.GEOCODER_URL = None
        self.GEOCODER_MIN_DELAY_S = 0.0
        self.GEOCODER_TIMEOUT_S = 1.0
        # Links in test mails point at the test client's own host; any Host is accepted.
        self.BASE_URL = "http://localhost"
        self.TRUSTED_HOSTS = None
        self.TRUSTED_PROXIES = 0
        self.ARGON2_TIME_COST = 1
        self.ARGON2_MEMORY_COST_KIB = 8
        self.UPLOAD_FOLDER = str(instance_path / "uploads")
