"""Access rules of the donor pages: my donations, posting, the donation page, schedules, partners."""
from tests.app.pages.route_rules import BACKBONE_STAFF, DONOR_PEOPLE, DONORS, RECIPIENTS

VIEWERS = DONOR_PEOPLE | RECIPIENTS | BACKBONE_STAFF     # can_view_donation on the grocer's donation
MANAGERS = DONOR_PEOPLE | BACKBONE_STAFF                 # can_manage_donation

RULES = {
    "donations.index": ("GET", "/donations/", DONORS, {200}),
    "donations.new": ("GET", "/donations/new", DONORS, {200}),
    "donations.detail": ("GET", "/donations/{donation}", VIEWERS, {200}),
    # The walk's donation has no photo: allowed viewers get past the permission check to a 404;
    # everyone else is refused first (tests/app/pages/test_photos.py serves a real one).
    "donations.photo": ("GET", "/donations/{donation}/photo", VIEWERS, {404}),
    # Empty POSTs: a cancel without a reason and a repost without times are refused with 422, so the
    # walk's donation stays open for the requests after them.
    "donations.cancel": ("POST", "/donations/{donation}/cancel", MANAGERS, {422}),
    "donations.repost": ("POST", "/donations/{donation}/repost", DONOR_PEOPLE, {422}),
    # Not an occurrence of a recurring pickup: 409 once permitted.
    "donations.skip": ("POST", "/donations/{donation}/skip", MANAGERS, {409}),
    "donations.schedules": ("GET", "/donations/schedules", DONORS, {200}),
    "donations.new_schedule": ("GET", "/donations/schedules/new", DONORS, {200}),
    # No such schedule: donors get past the donor check to a 404.
    "donations.cancel_schedule": ("POST", "/donations/schedules/999999/cancel", DONORS, {404}),
    "donations.partners": ("GET", "/donations/partners", DONORS, {200}),
}
