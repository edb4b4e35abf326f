"""Access rules of the partner directory: the backbone's network view, each partner's profile, confirming details."""
from tests.app.pages.route_rules import BACKBONE_STAFF, SIGNED_IN, TARGET_ADMIN, TARGET_ADMIN_OR_COALITION_ADMIN

RULES = {
    "directory.index": ("GET", "/directory/", BACKBONE_STAFF, {200}),
    "directory.export": ("GET", "/directory/directory.csv", BACKBONE_STAFF, {200}),
    "directory.detail": ("GET", "/directory/{org}", SIGNED_IN, {200}),
    "directory.edit": ("GET", "/directory/{org}/edit", TARGET_ADMIN_OR_COALITION_ADMIN, {200}),
    "directory.confirm": ("POST", "/directory/{org}/confirm", TARGET_ADMIN, {302}),
    "directory.request_confirmation": ("POST", "/directory/{org}/request-confirmation", BACKBONE_STAFF, {302}),
    "directory.request_stale": ("POST", "/directory/request-stale", BACKBONE_STAFF, {302}),
}
