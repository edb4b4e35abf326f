"""Access rules of finding places on the map."""
from tests.app.pages.route_rules import SIGNED_IN

RULES = {
    # Without an address the lookup is refused as bad input (422), after the access check.
    "places.geocode": ("GET", "/places/geocode", SIGNED_IN, {422}),
}
