"""The API applies the pages' permissions: for each demo role, a bearer token may read a donation, a claim and
a need through the API exactly when the same person, signed in, may open that object's page."""
from __future__ import annotations

import pytest

from tests.fixtures.web import ROLE_EMAILS, sign_in
from tests.app.pages.route_rules import build_values
from tests.fixtures.web import Api

PAIRS = [  # (page, API) for the same object
    ("/donations/{donation}", "/api/v1/donations/{donation}"),
    ("/claims/{claim}", "/api/v1/claims/{claim}"),
    ("/needs/{need}", "/api/v1/needs/{need}"),
]


@pytest.mark.parametrize("role", sorted(ROLE_EMAILS))
def test_a_token_sees_exactly_what_its_user_sees_on_the_pages(app, client, session, role):
    values = build_values(session)
    api = Api(app.test_client())
    assert sign_in(client, ROLE_EMAILS[role]).status_code == 302
    for page, endpoint in PAIRS:
        page_status = client.get(page.format(**values)).status_code
        api_status = api.get(endpoint.format(**values), role).status_code
        assert page_status in {200, 403, 404} and api_status in {200, 403, 404}
        assert (page_status == 200) == (api_status == 200), f"{role}: page {page_status}, API {api_status} for {endpoint}"
