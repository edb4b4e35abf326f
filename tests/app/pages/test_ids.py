"""Ids from untrusted text: only plain ASCII numbers that can name a row."""
from __future__ import annotations

import pytest

from coalition.ids import MAX_ID, parse_id


@pytest.mark.parametrize("text, expected", [
    ("1", 1), ("42", 42), (" 7 ", 7), (str(MAX_ID), MAX_ID), (12, 12),
    ("0", None), ("-3", None), ("²", None), ("١٢", None), ("1e3", None), ("", None), (None, None),
    (str(MAX_ID + 1), None), ("99999999999999999999", None), ("abc", None),
])
def test_parse_id_accepts_only_ascii_numbers_in_range(text, expected):
    assert parse_id(text) == expected


@pytest.mark.parametrize("query", ["organization_id=99999999999999999999", "organization_id=%C2%B2", "to=9999-12", "from=0001-01"])
def test_the_indicators_api_answers_odd_queries_with_a_4xx(login_as, query):
    client = login_as("backbone")
    response = client.get(f"/api/v1/indicators?{query}")
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)[:300]
    assert "error" in response.get_json()


def test_a_calendar_feed_with_an_odd_token_is_404(client):
    assert client.get("/driver/calendar/%C2%B2-abc.ics").status_code == 404
    assert client.get("/driver/calendar/99999999999999999999-abc.ics").status_code == 404
