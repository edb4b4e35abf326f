"""Access rules of matching: the backbone's suggested allocation and its accept form."""
from tests.app.pages.route_rules import BACKBONE_STAFF

RULES = {
    "matching.index": ("GET", "/matching/", BACKBONE_STAFF, {200}),
    # An empty form accepts nothing: a clear 422, no claim made.
    "matching.accept": ("POST", "/matching/accept", BACKBONE_STAFF, {422}),
}
