"""Access rules of feedback: ratings, pickup problems, the backbone's repeated-problems page."""
from tests.app.pages.route_rules import BACKBONE_STAFF, RECIPIENTS, SIGNED_IN

RULES = {
    "feedback.index": ("GET", "/feedback/", SIGNED_IN, {200}),
    # Empty POSTs: refused as incomplete, so the walk changes nothing.
    "feedback.rate": ("POST", "/feedback/ratings", RECIPIENTS, {422}),
    "feedback.flag": ("POST", "/feedback/pickup-problems", {"driver"} | RECIPIENTS | BACKBONE_STAFF, {422}),
    "feedback.repeated": ("GET", "/feedback/repeated", BACKBONE_STAFF, {200}),
}
