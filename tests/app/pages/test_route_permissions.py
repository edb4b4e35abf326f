"""Walk every URL rule of the app as anonymous and as each demo role.

Each endpoint has an access rule in tests/app/pages/route_rules/ (one module per area); a new route without one fails
``test_every_route_has_an_access_rule``. For each (endpoint, role) the test
asserts allow or deny, where deny means: anonymous is sent to sign in (or
gets 401 from the API), a signed-in user gets 403 or 404, and nothing is changed.
"""
from __future__ import annotations

import pytest

from tests.fixtures.web import ROLE_EMAILS, sign_in
from tests.app.pages.route_rules import ROLES, RULES, SIGNED_IN_REDIRECTS, build_values


def test_every_route_has_an_access_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(RULES), f"missing: {endpoints - set(RULES)}, stale: {set(RULES) - endpoints}"


@pytest.mark.parametrize("role", ROLES)
def test_each_route_allows_or_denies_each_role(app, client, role, session, monkeypatch):
    values = build_values(session)
    # The walk is about permissions: CSRF is covered by its own tests.
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    failures = []
    for endpoint, (method, template, allowed_roles, ok_statuses) in sorted(RULES.items()):
        if role != "anonymous":
            client.delete_cookie("session")
            client.delete_cookie("remember_token")
            assert sign_in(client, ROLE_EMAILS[role]).status_code == 302
        path = template.format(**values)
        response = client.open(path, method=method, data={} if method == "POST" else None)
        status = response.status_code
        response.close()  # file responses (static, Leaflet) hold their file open until closed
        if role in allowed_roles:
            ok = status in ok_statuses
        elif role == "anonymous":
            ok = (status == 302 and "/signin" in response.headers.get("Location", "")) or (
                path.startswith("/api/") and status == 401) or status == 400 and endpoint.startswith("auth.")
        elif endpoint in SIGNED_IN_REDIRECTS:
            ok = status == 302
        else:
            ok = status in {403, 404} or (status == 400 and endpoint.startswith("auth."))
        if not ok:
            failures.append(f"{method} {path} as {role}: {status}")
    assert not failures, "\n".join(failures)


def test_denied_writes_change_nothing(app, client, org, session, monkeypatch):
    """A driver who posts to another organization's member switch leaves it untouched."""
    from coalition.models import Membership, Role

    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    target = org("Hawthorne Green Grocer")
    staff = session.query(Membership).filter_by(organization_id=target.id, role=Role.STAFF).one()
    sign_in(client, ROLE_EMAILS["driver"])
    response = client.post(f"/organizations/{target.id}/people/{staff.id}/deactivate")
    assert response.status_code == 403
    session.expire_all()
    assert session.get(Membership, staff.id).active is True
