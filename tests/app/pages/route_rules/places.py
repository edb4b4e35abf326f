"""Access rules of finding places on the map and importing partners from a spreadsheet."""
from tests.app.pages.route_rules import COALITION_ADMIN, SIGNED_IN

RULES = {
    # Without an address the lookup is refused as bad input (422), after the access check.
    "places.geocode": ("GET", "/places/geocode", SIGNED_IN, {422}),
    "organizations.import_partners": ("GET", "/organizations/import", COALITION_ADMIN, {200}),
    "organizations.import_template": ("GET", "/organizations/import/template.csv", COALITION_ADMIN, {200}),
}
