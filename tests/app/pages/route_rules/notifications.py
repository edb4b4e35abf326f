"""Access rules of the notification centre: everyone signed in has their own."""
from tests.app.pages.route_rules import PUBLIC, SIGNED_IN

RULES = {
    "notifications.index": ("GET", "/notifications/", SIGNED_IN, {200}),
    # Nobody has notification 999999999: a clear 404 for everyone signed in.
    "notifications.read": ("POST", "/notifications/999999999/read", SIGNED_IN, {404}),
    "notifications.read_all": ("POST", "/notifications/read-all", SIGNED_IN, {302}),
    "notifications.settings": ("GET", "/notifications/settings", SIGNED_IN, {200}),
    "notifications.push_worker": ("GET", "/notifications/push/sw.js", PUBLIC, {200}),
    # Push is not configured in the tests: a clear 409 for everyone signed in.
    "notifications.push_subscribe": ("POST", "/notifications/push/subscribe", SIGNED_IN, {409}),
    # An empty body is a 400 once signed in.
    # Nobody has browser 999999999: a clear 404 for everyone signed in.
    "notifications.push_remove": ("POST", "/notifications/push/999999999/remove", SIGNED_IN, {404}),
    "notifications.push_unsubscribe": ("POST", "/notifications/push/unsubscribe", SIGNED_IN, {400}),
}
