"""GET /api/v1/indicators with a bearer token (the API's Flask-Login request loader), without any cookie."""
from __future__ import annotations

import datetime as dt

from coalition.services import api_tokens


def test_a_bearer_token_reads_the_indicators(client, session, user):
    _token, secret = api_tokens.issue_token(session, user("city@example.org"), dt.datetime.now(dt.timezone.utc), 3600)
    session.commit()
    response = client.get("/api/v1/indicators", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    body = response.get_json()
    assert {"goal", "kg_distributed", "meals_distributed", "kg_per_meal", "people_served", "food_insecurity_rate"} <= set(body)
    assert client.get("/api/v1/indicators", headers={"Authorization": "Bearer not-a-token"}).status_code == 401
