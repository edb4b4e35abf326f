"""Access rules of volunteer readiness: a driver's own profile, the backbone's overview and pairings."""
from tests.app.pages.route_rules import BACKBONE_STAFF

RULES = {
    "readiness.index": ("GET", "/readiness/", BACKBONE_STAFF, {200}),
    # The driver edits their own profile (an empty POST saves an empty profile and redirects);
    # the backbone, who is not a driver, is sent to the overview.
    "readiness.profile": ("GET", "/readiness/profile", {"driver"} | BACKBONE_STAFF, {200, 302}),
    # Empty POST: refused as incomplete, so the walk changes nothing.
    "readiness.pair": ("POST", "/readiness/pairings", BACKBONE_STAFF, {422}),
}
