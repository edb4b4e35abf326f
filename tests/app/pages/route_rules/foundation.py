"""Access rules of the foundation: home, sign-in, organizations, people (the API's are in api.py)."""
from tests.app.pages.route_rules import (
    COALITION_ADMIN,
    PUBLIC,
    SIGNED_IN,
    TARGET_ADMIN,
    TARGET_ADMIN_OR_COALITION_ADMIN,
)

RULES = {
    "static": ("GET", "/static/css/app.css", PUBLIC, {200}),
    "main.home": ("GET", "/", PUBLIC, {200}),
    "main.health": ("GET", "/healthz", PUBLIC, {200}),
    "main.leaflet_asset": ("GET", "/vendor/leaflet/leaflet.js", PUBLIC, {200}),
    "auth.sign_in": ("GET", "/signin", {"anonymous"}, {200}),
    "auth.sign_out": ("POST", "/signout", SIGNED_IN, {302}),
    "auth.forgot_password": ("GET", "/password/forgot", PUBLIC, {200}),
    # A made-up token is refused for everyone, with a clear 400 page.
    "auth.reset_password": ("GET", "/password/reset/not-a-token", set(), {200}),
    "auth.accept_invitation": ("GET", "/invitations/not-a-token", set(), {200}),
    "organizations.index": ("GET", "/organizations/", SIGNED_IN, {200}),
    "organizations.create": ("GET", "/organizations/new", COALITION_ADMIN, {200}),
    "organizations.detail": ("GET", "/organizations/{org}", SIGNED_IN, {200}),
    "organizations.edit": ("GET", "/organizations/{org}/edit", TARGET_ADMIN_OR_COALITION_ADMIN, {200}),
    "organizations.toggle_active": ("POST", "/organizations/{org}/active", COALITION_ADMIN, {302}),
    "organizations.people": ("GET", "/organizations/{org}/people", TARGET_ADMIN_OR_COALITION_ADMIN, {200}),
    "organizations.invite": ("POST", "/organizations/{org}/people/invite", TARGET_ADMIN_OR_COALITION_ADMIN, {302, 422}),
    "organizations.set_member_active": (
        "POST", "/organizations/{org}/people/{staff_membership}/deactivate", TARGET_ADMIN, {302}),
}
