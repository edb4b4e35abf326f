"""The plan form's time-limit hint: what more thinking time buys, drawn from the solver's measured anytime table."""
from __future__ import annotations

import html

import pytest

import routing
from coalition.services.planning import run


@pytest.fixture
def fresh_hint():
    """The hint is read once per process: start and end each test without the cached one."""
    run.thinking_time_hint.cache_clear()
    yield
    run.thinking_time_hint.cache_clear()


def _table(*points: routing.Checkpoint) -> routing.AnytimeTable:
    return routing.AnytimeTable("2026-12-07", 30.0, 2, tuple(f"i{k}" for k in range(13)), points)


def test_the_plan_form_shows_the_measured_figures_beside_the_time_limit(session, login_as, day, fresh_hint):
    table = routing.read_anytime()
    assert table is not None  # shipped with the solver
    page = login_as("coordinator").get(f"/planning/?date={day['date'].isoformat()}").get_data(as_text=True)
    hint = run.thinking_time_hint()
    assert hint is not None and html.escape(hint) in page
    worded = next(p for p in table.checkpoints if p.mean_gap_pct is not None and p.planned == p.instances)
    assert f"after {worded.at_s:g} s the best plan so far was on average {worded.mean_gap_pct:.1f}% above" in hint
    assert 'id="time_limit-hint"' in page and 'aria-describedby="time_limit-hint"' in page


def test_the_hint_says_each_checkpoint_in_words(monkeypatch, fresh_hint):
    monkeypatch.setattr(routing, "read_anytime", lambda: _table(
        routing.Checkpoint(1, 13, 0, 0, None, 0),
        routing.Checkpoint(3, 13, 5, 2, 30.0, 9),
        routing.Checkpoint(10, 13, 13, 10, 4.26, 3),
        routing.Checkpoint(30, 13, 13, 12, 1.5, 1),
    ))
    assert run.thinking_time_hint() == (
        "More time finds fewer vehicles and shorter routes. On 13 published benchmark instances, each given 30 s "
        "(2 searches in parallel, measured 2026-12-07): after 1 s none had a plan yet; after 3 s only 5 of 13 had a plan; after 10 s the best plan "
        "so far was on average 4.3% above the best known, with the best-known number of vehicles on 10 of 13; "
        "after 30 s 1.5% (12 of 13).")


def test_without_figures_the_form_has_no_hint_and_still_works(session, login_as, day, monkeypatch, fresh_hint):
    monkeypatch.setattr(routing, "read_anytime", lambda: None)
    page = login_as("coordinator").get(f"/planning/?date={day['date'].isoformat()}").get_data(as_text=True)
    assert "Seconds the planner may think" in page and 'id="time_limit-hint"' not in page


def test_a_broken_table_costs_the_hint_not_the_page(session, login_as, day, monkeypatch, fresh_hint):
    def broken():
        raise ValueError("anytime.json: not an anytime table")

    monkeypatch.setattr(routing, "read_anytime", broken)
    response = login_as("coordinator").get(f"/planning/?date={day['date'].isoformat()}")
    assert response.status_code == 200 and 'id="time_limit-hint"' not in response.get_data(as_text=True)
