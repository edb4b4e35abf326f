"""Access rules of the claims pages: the list, a claim's detail and its actions."""
from tests.app.pages.route_rules import BACKBONE_STAFF, CLAIMANT_PEOPLE, DONOR_PEOPLE, RECIPIENTS

CLAIM_MANAGERS = CLAIMANT_PEOPLE | BACKBONE_STAFF

RULES = {
    "claims.index": ("GET", "/claims/", RECIPIENTS | BACKBONE_STAFF, {200}),
    # The donor sees claims on its donation; other recipients do not see the food bank's claim.
    "claims.detail": ("GET", "/claims/{claim}", CLAIM_MANAGERS | DONOR_PEOPLE, {200}),
    # Empty forms: a reason, a window and a recipient are missing (422). The undo succeeds (302);
    # it sorts after the other claim actions, so they still see a claimed claim.
    "claims.reassign": ("POST", "/claims/{claim}/reassign", BACKBONE_STAFF, {422}),
    "claims.release": ("POST", "/claims/{claim}/release", CLAIM_MANAGERS, {422}),
    "claims.schedule": ("POST", "/claims/{claim}/schedule", CLAIM_MANAGERS, {422}),
    "claims.undo": ("POST", "/claims/{claim}/undo", CLAIM_MANAGERS, {302}),
}
