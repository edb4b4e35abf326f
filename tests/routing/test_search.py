"""Search machinery: worker processes, the large-day path, deterministic mode."""

from __future__ import annotations

import pytest

from routing import Break, Problem, SolveParams, TimeWindow, solve, validate
from routing.solver import params as tuning

from .conftest import w


def _day(line, n=8):
    reqs = [line.request(f"r{i}", i, i + 20, p_windows=w(0, 200), max_ride_s=60) for i in range(n)]
    vs = [line.vehicle("a", shift=(0, 300), break_=Break(TimeWindow(50, 100), 10)),
          line.vehicle("b", shift=(0, 300)), line.vehicle("c", shift=(0, 300), cold_chain="refrigerated")]
    return Problem(reqs, vs, matrix=line.matrix())


def test_two_worker_processes_give_a_valid_plan(line):
    p = _day(line)
    sol = solve(p, SolveParams(time_limit_s=3, num_workers=2))
    assert validate(p, sol) == []
    assert not sol.dropped


def test_large_day_path_constructs_without_breaks_then_imposes_them(line, monkeypatch):
    """Past LARGE_DAY requests the day is planned by clusters; the final plan must respect breaks."""
    monkeypatch.setattr(tuning, "LARGE_DAY", 3)
    p = _day(line)
    sol = solve(p, SolveParams(time_limit_s=3))
    assert validate(p, sol) == []
    a = sol.route_of("a")
    if a is not None:
        assert a.break_start_s is not None


def test_deterministic_mode_repeats_itself(line):
    p = _day(line)
    params = SolveParams(time_limit_s=5, deterministic=True)
    assert solve(p, params).to_dict()["routes"] == solve(p, params).to_dict()["routes"]


def test_ride_limit_shorter_than_the_window_gap_is_impossible(line, fast):
    """Pickup by t=10, delivery not before t=100: a 60 s ride limit cannot be met."""
    r = line.request("r", 1, 2, p_windows=w(0, 10), d_windows=w(100, 200), max_ride_s=60)
    p = Problem([r], [line.vehicle("v")], matrix=line.matrix())
    sol = solve(p, fast)
    assert [(d.request_id, d.reason) for d in sol.dropped] == [("r", "ride_time")]
