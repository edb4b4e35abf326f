"""Access rules of the needs pages: recipients post and manage theirs; donors and the backbone read them."""
from tests.app.pages.route_rules import BACKBONE_STAFF, DONORS, NEED_OWNER_PEOPLE, RECIPIENTS

NEED_MANAGERS = NEED_OWNER_PEOPLE | BACKBONE_STAFF

RULES = {
    "needs.index": ("GET", "/needs/", RECIPIENTS | DONORS | BACKBONE_STAFF, {200}),
    "needs.create": ("GET", "/needs/new", RECIPIENTS | BACKBONE_STAFF, {200}),
    "needs.detail": ("GET", "/needs/{need}", NEED_MANAGERS | DONORS, {200}),
    "needs.edit": ("GET", "/needs/{need}/edit", NEED_MANAGERS, {200}),
    # Cancelling succeeds; the pages walked after it still show (or edit) a cancelled need.
    "needs.cancel": ("POST", "/needs/{need}/cancel", NEED_MANAGERS, {302}),
}
