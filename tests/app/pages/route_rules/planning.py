"""Access rules of the coordinator's planning pages (dispatch). Plans are addressed by an id that does not
exist, so allowed roles get a 404 and the walk never starts a solve."""
from tests.app.pages.route_rules import BACKBONE_STAFF

RULES = {
    "planning.index": ("GET", "/planning/", BACKBONE_STAFF, {200}),
    # An empty form plans nothing: a clear 422.
    "planning.plan": ("POST", "/planning/plan", BACKBONE_STAFF, {422}),
    "planning.replan": ("POST", "/planning/replan", BACKBONE_STAFF, {422}),
    "planning.show": ("GET", "/planning/plans/999999", BACKBONE_STAFF, {404}),
    "planning.status": ("GET", "/planning/plans/999999/status", BACKBONE_STAFF, {404}),
    "planning.move": ("POST", "/planning/plans/999999/move", BACKBONE_STAFF, {404}),
    "planning.publish": ("POST", "/planning/plans/999999/publish", BACKBONE_STAFF, {404}),
    "planning.food_safety_rules": ("GET", "/planning/food-safety", BACKBONE_STAFF, {200}),
}
