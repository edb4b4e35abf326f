"""Access rules of the supply pages: browsing open supply, claiming a line, declining a priority offer."""
from tests.app.pages.route_rules import BACKBONE_STAFF, RECIPIENTS

RULES = {
    "supply.index": ("GET", "/supply/", RECIPIENTS | BACKBONE_STAFF, {200}),
    "supply.claim": ("GET", "/supply/lines/{line}/claim", RECIPIENTS | BACKBONE_STAFF, {200}),
    # Nothing is reserved for the walker, so the decline is refused with a message and a redirect.
    "supply.decline": ("POST", "/supply/donations/{donation}/decline", RECIPIENTS | BACKBONE_STAFF, {302}),
}
