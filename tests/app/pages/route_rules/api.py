"""Access rules of the JSON API (/api/v1 and /api/openapi.json).

The walk signs in with a session cookie (CSRF off) and sends an empty form body:
allowed callers of a write get 400 ("send a JSON object") once the permission
check has passed, so no write succeeds and later requests see the same objects.
"""
from tests.app.pages.route_rules import (
    BACKBONE_STAFF,
    CLAIMANT_PEOPLE,
    DONOR_PEOPLE,
    DONORS,
    NEED_OWNER_PEOPLE,
    PUBLIC,
    RECIPIENTS,
    SIGNED_IN,
)

VIEW_DONATION = DONOR_PEOPLE | RECIPIENTS | BACKBONE_STAFF     # permissions.can_view_donation
CLAIMERS = RECIPIENTS | BACKBONE_STAFF                          # recipient_organizations or backbone staff
MANAGE_CLAIM = CLAIMANT_PEOPLE | BACKBONE_STAFF                 # permissions.can_manage_claim
VIEW_CLAIM = MANAGE_CLAIM | DONOR_PEOPLE                        # permissions.can_view_claim
MANAGE_NEED = NEED_OWNER_PEOPLE | BACKBONE_STAFF                # permissions.can_manage_need

RULES = {
    "api.openapi": ("GET", "/api/openapi.json", PUBLIC, {200}),
    "api.issue_token": ("POST", "/api/v1/auth/token", PUBLIC, {400}),
    # A browser session has no token to revoke.
    "api.revoke_token": ("DELETE", "/api/v1/auth/token", SIGNED_IN, {400}),
    "api.me": ("GET", "/api/v1/me", SIGNED_IN, {200}),
    "api.list_organizations": ("GET", "/api/v1/organizations", SIGNED_IN, {200}),
    "api.get_organization": ("GET", "/api/v1/organizations/{org}", SIGNED_IN, {200}),
    "api.list_donations": ("GET", "/api/v1/donations", SIGNED_IN, {200}),
    "api.create_donation": ("POST", "/api/v1/donations", DONORS, {400}),
    "api.get_donation": ("GET", "/api/v1/donations/{donation}", VIEW_DONATION, {200}),
    "api.update_donation": ("PATCH", "/api/v1/donations/{donation}", DONOR_PEOPLE | BACKBONE_STAFF, {400}),
    "api.cancel_donation": ("POST", "/api/v1/donations/{donation}/cancel", DONOR_PEOPLE | BACKBONE_STAFF, {400}),
    "api.list_lines": ("GET", "/api/v1/donations/{donation}/lines", VIEW_DONATION, {200}),
    "api.get_line": ("GET", "/api/v1/lines/{line}", VIEW_DONATION, {200}),
    "api.claim_donation": ("POST", "/api/v1/donations/{donation}/claims", CLAIMERS, {400}),
    "api.list_offers": ("GET", "/api/v1/offers", SIGNED_IN, {200}),
    "api.create_offer": ("POST", "/api/v1/offers", DONORS, {400}),
    # The walk's donation is store surplus, not an offer: 404 for everyone who may see it, 403 for the rest.
    "api.get_offer": ("GET", "/api/v1/offers/{donation}", set(), {200}),
    "api.update_offer": ("PATCH", "/api/v1/offers/{donation}", set(), {400}),
    "api.cancel_offer": ("POST", "/api/v1/offers/{donation}/cancel", set(), {400}),
    "api.list_claims": ("GET", "/api/v1/claims", CLAIMERS, {200, 422}),
    "api.get_claim": ("GET", "/api/v1/claims/{claim}", VIEW_CLAIM, {200}),
    "api.reschedule_claim": ("PATCH", "/api/v1/claims/{claim}", MANAGE_CLAIM, {400}),
    "api.undo_claim": ("POST", "/api/v1/claims/{claim}/undo", MANAGE_CLAIM, {400}),
    "api.release_claim": ("POST", "/api/v1/claims/{claim}/release", MANAGE_CLAIM, {400}),
    "api.reassign_claim": ("POST", "/api/v1/claims/{claim}/reassign", BACKBONE_STAFF, {400}),
    "api.list_needs": ("GET", "/api/v1/needs", DONORS | RECIPIENTS | BACKBONE_STAFF, {200}),
    "api.create_need": ("POST", "/api/v1/needs", RECIPIENTS | BACKBONE_STAFF, {400}),
    "api.get_need": ("GET", "/api/v1/needs/{need}", MANAGE_NEED | DONORS, {200}),
    "api.update_need": ("PATCH", "/api/v1/needs/{need}", MANAGE_NEED, {400}),
    "api.cancel_need": ("POST", "/api/v1/needs/{need}/cancel", MANAGE_NEED, {400}),
}
