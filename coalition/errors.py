"""Domain exceptions (access errors and rule errors), and the handlers that turn every error into a clear 4xx page or JSON body.

HTML and JSON share one vocabulary: ``{"error": message, "fields": {name: message}}``.
"""
from __future__ import annotations

import logging

from flask import Flask, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A request the coalition refuses, with a 4xx status. Never raised itself: see the two kinds below."""

    status_code = 400

    def __init__(self, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class AccessError(DomainError):
    """Who may see or do this: unknown ids, missing permission, bad credentials.

    Answered by the app's error handlers (a 403/404 page, a JSON error), never
    shown as a form error: the write boundary re-raises them.
    """


class RuleError(DomainError):
    """The caller may act, but the input breaks a rule: shown beside the fields or as ``{"error", "fields"}``."""


class ValidationError(RuleError):
    """Input is malformed or out of range; ``fields`` names each bad field."""

    status_code = 422


class Conflict(RuleError):
    """The request clashes with the current state (already taken, already accepted)."""

    status_code = 409


class NotFound(AccessError):
    status_code = 404


class PermissionDenied(AccessError):
    status_code = 403


class InvalidCredentials(AccessError):
    status_code = 401


class TooManyAttempts(AccessError):
    status_code = 429


class InvalidToken(AccessError):
    """A signed link is forged, expired or already used."""

    status_code = 400


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(status: int, message: str, fields: dict[str, str] | None = None):
    if wants_json():
        response = jsonify({"error": message, "fields": fields or {}})
        response.status_code = status
        return response
    return render_template("errors/error.html", status=status, message=message), status


def is_lock_timeout(error: OperationalError) -> bool:
    """The database gave up waiting for a lock another transaction holds: SQLite's busy timeout ("database is
    locked") or PostgreSQL's lock_timeout (SQLSTATE 55P03). Passing, not a fault: the same request can succeed
    a moment later."""
    return (getattr(error.orig, "sqlite_errorname", "") == "SQLITE_BUSY"
            or getattr(error.orig, "sqlstate", None) == "55P03")


_FRIENDLY = {
    400: "The request could not be understood.",
    401: "Please sign in to continue.",
    403: "You do not have permission to see this page.",
    404: "There is no page at this address.",
    405: "This page does not accept that kind of request.",
    413: "What you sent is too large. Please send a smaller file.",
    429: "Too many attempts. Please wait a few minutes and try again.",
}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(error: DomainError):
        return error_response(error.status_code, error.message, error.fields)

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        return error_response(400, "This form has expired or was not sent by this site. Reload the page and try again.")

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        status = error.code or 500
        return error_response(status, _FRIENDLY.get(status, error.description or "Request failed."))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "Something went wrong on our side. The team has been told.")

    @app.errorhandler(OperationalError)
    def _database(error: OperationalError):
        if not is_lock_timeout(error):
            return _unexpected(error)
        # 503 with Retry-After, the HTTP words for "busy, try again shortly"; pollers and browsers retry.
        log.warning("database lock wait timed out on %s %s", request.method, request.path)
        response = make_response(error_response(503, "The system is busy for a moment. Please try again."))
        response.headers["Retry-After"] = "2"
        return response
