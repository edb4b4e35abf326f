"""Access rules of the shifts pages: drivers, the backbone's staff (whose organization has the demo drivers)."""
SHIFT_USERS = {"driver", "backbone", "coordinator"}

RULES = {
    "shifts.index": ("GET", "/shifts/", SHIFT_USERS, {200}),
    # Empty forms post nothing: a clear 422.
    "shifts.new": ("POST", "/shifts/new", SHIFT_USERS, {422}),
    "shifts.weekly": ("POST", "/shifts/weekly", SHIFT_USERS, {422}),
    "shifts.cancel": ("POST", "/shifts/999999/cancel", SHIFT_USERS, {404}),
    "shifts.stop_weekly": ("POST", "/shifts/weekly/999999/stop", SHIFT_USERS, {404}),
}
