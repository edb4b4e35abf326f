"""The OpenAPI document describes every API route, and the API never answers 5xx to generated input.

It also answers only what the document promises: documented status codes, JSON,
bodies matching the response schemas.

The fuzz runs schemathesis in-process against the WSGI app (inside the test's
rolled-back transaction) with the bearer tokens of a demo donor and a demo
recipient, positive and negative cases, a bounded and derandomized number of
examples per operation so CI is deterministic and quick.
"""
from __future__ import annotations

import datetime as dt
import re

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation import GenerationMode

from coalition.models import DonationKind
from coalition.services import donations
from tests.app.pages.route_rules import build_values
from tests.fixtures.web import Api

EXAMPLES_PER_OPERATION = 20
# No 5xx, and every answer is one the document promises (status, content type, body schema).
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FUZZ_ROLES = ("grocer", "foodbank", "shelter")  # a donor; the claimant of the walk's claim; the owner of its need


def api_routes(app) -> set[tuple[str, str]]:
    """(path template, method) of every route under /api/ except the document itself, whichever blueprint serves it."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") and rule.endpoint != "api.openapi":
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            routes |= {(path, method) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def test_the_openapi_document_describes_every_api_route(app, client):
    document = client.get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert document["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    documented = {(path, method.upper()) for path, operations in document["paths"].items() for method in operations}
    assert documented == api_routes(app)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation["responses"], f"{method} {path} lists no responses"
            assert "operationId" in operation and "summary" in operation


def test_the_api_never_answers_5xx_to_generated_input(app, client, session, user, org, now):
    """Schemathesis: every operation, positive and negative cases, as a donor and as recipients: no 5xx,
    and only documented statuses and response bodies."""
    values = build_values(session)
    offer = donations.post_donation(session, user("farmer@example.org"), org("Sauvie Island Growers"), donations.DonationInput(
        [donations.LineInput("produce", "kale", "refrigerated", now + dt.timedelta(days=5), kg=40)],
        now + dt.timedelta(days=1), now + dt.timedelta(days=2), kind=DonationKind.PRODUCE), now)
    session.commit()
    real_ids = {"donation_id": values["donation"], "offer_id": offer.id, "line_id": values["line"],
                "claim_id": values["claim"], "need_id": values["need"], "organization_id": values["org"]}
    api = Api(client)
    tokens = [api.token(role) for role in FUZZ_ROLES]
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    counts: dict[str, int] = {}

    def fresh_token() -> str:
        from coalition.services import api_tokens

        _, secret = api_tokens.issue_token(session, user("grocer@example.org"), dt.datetime.now(dt.timezone.utc), 3600)
        session.commit()
        return secret

    for result in schema.get_all_operations():
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        own_ids = {name: real_ids[name] for name in re.findall(r"{(\w+)}", operation.path)}
        strategy = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
            operation.as_strategy(GenerationMode.POSITIVE, path_parameters=own_ids) if own_ids
            else operation.as_strategy(GenerationMode.POSITIVE),
        )

        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=strategy, token=st.sampled_from(tokens))
        def check(case, token):
            counts[label] = counts.get(label, 0) + 1
            # Revoking must not spend the shared tokens: it gets its own.
            bearer = fresh_token() if label == "DELETE /api/v1/auth/token" else token
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {bearer}"}
            response = case.call()
            case.validate_response(response, checks=CHECKS)

        check()

    total = sum(counts.values())
    print(f"\nAPI fuzz: {total} generated cases over {len(counts)} operations")
    assert len(counts) == len(api_routes(app))
    assert total >= 10 * len(counts)
