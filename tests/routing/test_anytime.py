"""Anytime figures: the solver's best-so-far reports, the benchmark's checkpoints and summary, the shipped table."""

from __future__ import annotations

import json
import random
import re

import pytest

from routing import Progress, SolveParams, read_anytime, ruin_recreate, solve, validate
from routing.bench import CHECKPOINTS_S, anytime_lines, anytime_table, main, parse, trace
from routing.solver.progress import merge

from .test_ruin_recreate import _chain, _instance


def _lilim(n_requests: int = 30, seed: int = 3) -> str:
    """A random Li & Lim instance: requests scattered over a 100 x 100 square, wide windows, room for 5 per vehicle."""
    rng = random.Random(seed)
    rows = ["0\t50\t50\t0\t0\t1000\t0\t0\t0"]
    for j in range(n_requests):
        p, d = 2 * j + 1, 2 * j + 2
        rows.append(f"{p}\t{rng.randint(0, 100)}\t{rng.randint(0, 100)}\t10\t0\t600\t5\t0\t{d}")
        rows.append(f"{d}\t{rng.randint(0, 100)}\t{rng.randint(0, 100)}\t-10\t0\t900\t5\t{p}\t0")
    return f"{n_requests}\t50\t1\n" + "\n".join(rows) + "\n"


def _assert_improving(events: list[Progress]) -> None:
    assert events, "no plan was reported"
    for before, after in zip(events, events[1:]):
        assert after.elapsed_s >= before.elapsed_s
        assert after.rank() < before.rank(), "a report that does not improve on the best so far"
        assert after.dropped <= before.dropped
        if after.dropped == before.dropped:
            assert after.vehicles <= before.vehicles, "the fleet grew while serving as many"
            if after.vehicles == before.vehicles:
                assert after.cost < before.cost


def test_the_compiled_search_returns_the_history_of_its_best_plan():
    """Each entry is the best plan after an improvement, in time order, and the last one is the plan returned."""
    problem = parse(_lilim(), "random30").problem
    _data, model = _instance(problem, len(problem.vehicles))
    result = ruin_recreate.search(model.rr_instance(), 0.5)
    assert result is not None and len(result.history) >= 2
    times = [h[0] for h in result.history]
    assert times == sorted(times) and times[0] >= 0 and times[-1] <= 0.5 + 0.1
    ranks = [(h[4], h[3], h[1], h[2]) for h in result.history]  # value left out, left out, vehicles, cost
    assert all(later < earlier for earlier, later in zip(ranks, ranks[1:]))
    assert result.history[-1][1:] == (result.vehicles, result.cost, result.left_out, result.value_left_out)


def test_one_worker_reports_each_improvement_and_ends_on_the_plan_it_returns():
    inst = parse(_lilim(), "random30")
    events: list[Progress] = []
    sol = solve(inst.problem, SolveParams(time_limit_s=2, num_workers=1, progress=events.append))
    assert validate(inst.problem, sol) == []
    _assert_improving(events)
    assert events[-1].vehicles == sol.num_vehicles and events[-1].dropped == len(sol.dropped)
    assert events[-1].cost == pytest.approx(inst.cost(sol), abs=0.1)  # the search's integers are 1/1000 units
    assert all(e.elapsed_s <= sol.runtime_s + 0.01 for e in events)


def test_several_workers_report_the_best_of_all_workers_in_the_caller():
    """The callback is not sent to the worker processes (it may not pickle): their reports come back merged."""
    inst = parse(_lilim(), "random30")
    events: list[Progress] = []
    sol = solve(inst.problem, SolveParams(time_limit_s=2, num_workers=2, progress=lambda e: events.append(e)))
    _assert_improving(events)
    assert (events[-1].dropped, events[-1].vehicles) == (len(sol.dropped), sol.num_vehicles)


def test_the_or_tools_phases_report_their_plans_too(line):
    """Deterministic mode runs OR-Tools alone: construction, then route elimination down to one vehicle."""
    problem = _chain(line, n=4, vehicles=4)
    events: list[Progress] = []
    sol = solve(problem, SolveParams(time_limit_s=5, deterministic=True, progress=events.append))
    _assert_improving(events)
    assert sol.num_vehicles == 1 and (events[-1].vehicles, events[-1].dropped) == (1, 0)


def test_merging_keeps_in_time_order_the_reports_that_beat_every_earlier_one():
    a = [Progress(1.0, 5, 100.0, 0), Progress(4.0, 4, 90.0, 0)]
    b = [Progress(0.5, 6, 80.0, 0), Progress(2.0, 5, 95.0, 0), Progress(3.0, 5, 99.0, 0)]
    assert merge([a, b]) == [Progress(0.5, 6, 80.0, 0), Progress(1.0, 5, 100.0, 0), Progress(2.0, 5, 95.0, 0),
                             Progress(4.0, 4, 90.0, 0)]


def test_the_trace_holds_the_best_plan_at_each_checkpoint_within_the_time_limit():
    events = [Progress(2.0, 7, 1000.0, 0), Progress(8.0, 6, 900.0, 0), Progress(25.0, 6, 750.0, 0),
              Progress(30.4, 6, 749.0, 0)]
    points = trace(events, 30, (6, 700.0))
    assert [p["at_s"] for p in points] == [t for t in CHECKPOINTS_S if t <= 30] == [1, 3, 10, 30]
    assert points[0] == {"at_s": 1, "vehicles": None, "cost": None, "dropped": None}  # nothing yet
    assert (points[1]["vehicles"], points[1]["gap_pct"]) == (7, None)  # more vehicles than the best known: no gap
    assert (points[2]["vehicles"], points[2]["cost"]) == (6, 900.0)
    assert points[2]["gap_pct"] == pytest.approx(100 * 200 / 700, abs=1e-3)
    # The run's last report, a moment past the limit, is the plan it returns: it counts at the limit.
    assert points[3]["cost"] == 749.0


def test_a_real_trace_never_worsens_from_one_checkpoint_to_the_next():
    inst = parse(_lilim(), "random30")
    events: list[Progress] = []
    solve(inst.problem, SolveParams(time_limit_s=3, num_workers=1, progress=events.append))
    points = [p for p in trace(events, 3, None) if p["cost"] is not None]
    assert points and points[-1]["at_s"] == 3
    for before, after in zip(points, points[1:]):
        assert after["dropped"] <= before["dropped"]
        if after["dropped"] == before["dropped"]:
            assert after["vehicles"] <= before["vehicles"]
            if after["vehicles"] == before["vehicles"]:
                assert after["cost"] <= before["cost"]


def _rows() -> list[dict]:
    def row(name, bks_v, points):
        return {"instance": name, "bks_vehicles": bks_v, "bks_cost": 100.0,
                "trace": [{"at_s": at, "vehicles": v, "cost": c, "dropped": 0 if v else None,
                           "gap_pct": g} for at, v, c, g in points]}

    return [row("a", 5, [(1, None, None, None), (3, 6, 130.0, None), (10, 5, 110.0, 10.0)]),
            row("b", 4, [(1, 4, 120.0, 20.0), (3, 4, 104.0, 4.0), (10, 4, 102.0, 2.0)])]


def test_the_anytime_table_gives_the_mean_gap_and_best_known_fleets_at_each_checkpoint():
    assert anytime_table(_rows()) == [
        {"at_s": 1, "instances": 2, "planned": 1, "bks_vehicles": 1, "mean_gap_pct": 20.0, "extra_vehicles": 0},
        {"at_s": 3, "instances": 2, "planned": 2, "bks_vehicles": 1, "mean_gap_pct": 4.0, "extra_vehicles": 1},
        {"at_s": 10, "instances": 2, "planned": 2, "bks_vehicles": 2, "mean_gap_pct": 6.0, "extra_vehicles": 0},
    ]
    assert anytime_lines(_rows(), "routing") == [
        "ANYTIME routing: at=1s planned=1/2 bks_vehicles=1/2 mean_gap=20.00% extra_vehicles=0",
        "ANYTIME routing: at=3s planned=2/2 bks_vehicles=1/2 mean_gap=4.00% extra_vehicles=1",
        "ANYTIME routing: at=10s planned=2/2 bks_vehicles=2/2 mean_gap=6.00% extra_vehicles=0",
    ]


def test_bench_trace_prints_the_anytime_summary_and_writes_the_table(tmp_path, capsys):
    f = tmp_path / "random30.txt"
    f.write_text(_lilim())
    bks = tmp_path / "bks.csv"
    bks.write_text("instance,vehicles,distance\nrandom30,1,100.0\n")
    out = tmp_path / "anytime.json"
    main(["--time-limit", "1", "--workers", "1", "--trace", "--bks", str(bks), "--write-anytime", str(out), str(f)])
    printed = capsys.readouterr().out.splitlines()
    assert any(line.strip().startswith("trace 1s:") for line in printed)
    anytime = [line for line in printed if line.startswith("ANYTIME")]
    assert len(anytime) == 1 and re.fullmatch(
        r"ANYTIME routing: at=1s planned=1/1 bks_vehicles=0/1 mean_gap=n/a extra_vehicles=[1-9]\d*", anytime[0])
    table = read_anytime(out)
    assert table is not None and table.time_limit_s == 1 and table.workers == 1 and table.instances == ("random30",)
    assert [p.at_s for p in table.checkpoints] == [1] and table.checkpoints[0].planned == 1


def test_write_anytime_needs_a_trace_and_best_known_solutions(tmp_path):
    with pytest.raises(SystemExit):
        main(["--write-anytime", str(tmp_path / "x.json"), str(tmp_path / "none.txt")])


def test_the_shipped_anytime_table_is_measured_and_reads_back():
    table = read_anytime()
    assert table is not None and table.instances and table.checkpoints
    assert all(p.at_s <= table.time_limit_s for p in table.checkpoints)
    last = table.checkpoints[-1]
    assert last.planned == last.instances and last.mean_gap_pct is not None


def test_a_table_that_is_not_one_is_refused_with_its_file_named(tmp_path):
    bad = tmp_path / "anytime.json"
    bad.write_text(json.dumps({"checkpoints": [{"at_s": 1}]}))
    with pytest.raises(ValueError, match="anytime.json: not an anytime table"):
        read_anytime(bad)
    assert read_anytime(tmp_path / "missing.json") is None
