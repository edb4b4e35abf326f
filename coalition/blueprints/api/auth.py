"""API authentication: issuing and revoking bearer tokens, loading the user from one, CSRF for cookie sessions."""
from __future__ import annotations

from flask import current_app, g, jsonify, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from coalition.blueprints.api import bp
from coalition.blueprints.api.common import V1, created, iso, json_body
from coalition.blueprints.transaction import committed
from coalition.errors import InvalidCredentials, TooManyAttempts, error_response
from coalition.extensions import csrf, db, login_manager
from coalition.models.base import utcnow
from coalition.permissions import login_required
from coalition.services import accounts, api_tokens

# Token requests take credentials, not a session: they need no CSRF token.
PUBLIC_ENDPOINTS = {"api.issue_token", "api.openapi"}

csrf.exempt(bp)  # checked below, only for requests authenticated by a session cookie


def bearer_secret() -> str | None:
    """The token from ``Authorization: Bearer <token>``, or None when the header is absent or another scheme."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return secret.strip()


def load_user_from_bearer(req):
    """Flask-Login request loader: the user of a valid bearer token, on API paths only."""
    if not req.path.startswith("/api/"):
        return None
    secret = bearer_secret()
    if secret is None:
        return None
    token = api_tokens.find_valid_token(db.session, secret, utcnow())
    if token is None:
        return None
    g.api_token = token
    return token.user


@bp.record_once
def _register_loader(state):
    login_manager.request_loader(load_user_from_bearer)


@bp.before_request
def _authenticate():
    """Refuse a bad bearer token outright; require CSRF on cookie-session writes."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    authenticated = current_user.is_authenticated  # loads the user: session cookie first, then bearer token
    bearer = bearer_secret() is not None
    if not authenticated:
        if bearer:
            return error_response(401, "This token is not valid: it is unknown, expired or revoked. Ask for a new one.")
        return None  # login_required answers 401
    if g.get("api_token") is not None:
        return None
    if bearer:
        # Flask-Login took the session cookie and never looked at the token: say so rather than
        # act as someone the client may not mean.
        return error_response(400, "Send either a bearer token or a session cookie, not both.")
    config = current_app.config
    if config.get("WTF_CSRF_ENABLED", True) and request.method in config["WTF_CSRF_METHODS"]:
        try:
            csrf.protect()
        except CSRFError:
            return error_response(
                400, "A signed-in browser must send the page's CSRF token in an X-CSRFToken header; "
                     "apps use a bearer token instead.")
    return None


@bp.route(f"{V1}/auth/token", methods=["POST"])
def issue_token():
    """Exchange an e-mail and password for a bearer token (sign-in throttling applies)."""
    body = json_body()
    email = body.string("email", True, "your e-mail address", max_length=254)
    password = body.string("password", True, "your password", max_length=1000)
    body.finish()
    now = utcnow()
    # A failed attempt's record is kept: it is what throttles the next guesses.
    with committed(keep_on=(InvalidCredentials, TooManyAttempts)):
        user = accounts.authenticate(db.session, email, password, request.remote_addr or "unknown", now,
                                     accounts.ThrottlePolicy.from_config(current_app.config))
        token, secret = api_tokens.issue_token(db.session, user, now, current_app.config["API_TOKEN_MAX_AGE_S"])
    return created({"token": secret, "token_type": "Bearer", "expires_at": iso(token.expires_at)})


@bp.route(f"{V1}/auth/token", methods=["DELETE"])
@login_required
def revoke_token():
    """Revoke the bearer token this request was made with."""
    token = g.get("api_token")
    if token is None:
        return error_response(400, "Send the token to revoke as Authorization: Bearer <token>.")
    with committed():
        api_tokens.revoke_token(db.session, token, utcnow())
    return jsonify({"revoked": True})
