"""Odd ids: a number no row can have answers 404 on every route, never 500, as every role.

Every URL rule with an integer part is walked (from its access rule's path in tests/app/pages/route_rules) with
each part replaced by numbers out of the database's range. Run it on PostgreSQL too
(TEST_DATABASE_URL=...): SQLite compares huge numbers quietly, PostgreSQL refuses them.
"""
from __future__ import annotations

import pytest
from werkzeug.routing import IntegerConverter

from coalition.ids import MAX_ID
from tests.app.pages.route_rules import ROLES, RULES, build_values
from tests.fixtures.web import ROLE_EMAILS, sign_in

ODD_IDS = [99999999999999999999, 2**63, 2**31, -1]


def _int_rules(app):
    """(endpoint, method, real path, names of its integer parts) for every rule with an integer part."""
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    for endpoint, (method, template, _allowed, _ok) in sorted(RULES.items()):
        rule = rules[endpoint]
        names = [name for name, converter in rule._converters.items() if isinstance(converter, IntegerConverter)]
        if names:
            yield endpoint, method, template, names


def _odd_paths(app, endpoint, method, path, names):
    """The rule's real path with one integer part at a time replaced by each odd id."""
    adapter = app.url_map.bind("localhost")
    _endpoint, values = adapter.match(path.split("?")[0], method=method)
    for name in names:
        for odd in ODD_IDS:
            yield adapter.build(endpoint, {**values, name: odd}, method=method)


def test_the_walk_covers_the_routes_with_integer_parts(app):
    walked = list(_int_rules(app))
    assert len(walked) >= 60, f"only {len(walked)} rules with integer parts found"


@pytest.mark.parametrize("role", ROLES)
def test_ids_out_of_range_answer_404_on_every_route(app, client, session, role, monkeypatch):
    values = build_values(session)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    if role != "anonymous":
        assert sign_in(client, ROLE_EMAILS[role]).status_code == 302
    failures = []
    for endpoint, method, template, names in _int_rules(app):
        if endpoint == "auth.sign_out":
            continue
        for path in _odd_paths(app, endpoint, method, template.format(**values), names):
            response = client.open(path, method=method, data={} if method == "POST" else None)
            response.close()
            if response.status_code != 404:
                failures.append(f"{method} {path} as {role}: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_the_largest_real_id_is_not_refused_by_the_guard(login_as):
    """MAX_ID itself is a valid id that names nothing: the view's own 404, not the range guard's."""
    client = login_as("backbone")
    assert client.get(f"/donations/{MAX_ID}").status_code == 404
    assert client.get(f"/donations/{MAX_ID + 1}").status_code == 404


# --- unseen objects answer as missing ones -----------------------------------------------------------------

def _visibility():
    """Integer URL part -> (model, "may this user see it?") for the objects whose very existence is private."""
    from coalition import permissions
    from coalition.models import Claim, Donation, DonationLine, Need

    return {
        "donation_id": (Donation, permissions.can_view_donation),
        "claim_id": (Claim, permissions.can_view_claim),
        "need_id": (Need, permissions.can_view_need),
        "line_id": (DonationLine, lambda user, line: permissions.can_view_donation(user, line.donation)),
    }


def test_an_object_one_may_not_see_answers_like_a_missing_one_on_pages_and_api(app, client, session, monkeypatch):
    """For every route naming a donation, line, claim or need, as every role that may not see the demo
    object: the real id and an id no row has get the same status: 404 (the pages' convention for objects),
    or 403 where the role may not use the route at all, whatever the id."""
    from coalition.models import User

    values = build_values(session)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    adapter = app.url_map.bind("localhost")
    visibility = _visibility()
    compared, failures = 0, []
    for role, email in ROLE_EMAILS.items():
        person = session.query(User).filter_by(email=email).one()
        for endpoint, method, template, names in _int_rules(app):
            path = template.format(**values)
            _endpoint, real = adapter.match(path.split("?")[0], method=method)
            for name in names:
                if name not in visibility:
                    continue
                model, may_see = visibility[name]
                if may_see(person, session.get(model, real[name])):
                    continue
                statuses = []
                for target in (path, adapter.build(endpoint, {**real, name: MAX_ID}, method=method)):
                    client.delete_cookie("session")
                    assert sign_in(client, email).status_code == 302
                    response = client.open(target, method=method, data={} if method == "POST" else None)
                    response.close()
                    statuses.append(response.status_code)
                compared += 1
                if statuses[0] != statuses[1] or statuses[0] not in (403, 404):
                    failures.append(f"{method} {path} as {role}: existing {statuses[0]}, missing {statuses[1]}")
    assert compared >= 50, f"only {compared} (route, role) pairs compared"
    assert not failures, "\n".join(failures)
