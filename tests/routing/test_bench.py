"""Benchmark parsers on tiny inline instances and on the shared instance files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from routing import SolveParams, solve, validate
from routing.bench import FormatError, main, parse, read_bks, simulate

SHARED = Path(__file__).resolve().parents[3] / "shared" / "benchmarks"

LILIM = """\
3\t50\t1
0\t0\t0\t0\t0\t100\t0\t0\t0
1\t3\t4\t10\t0\t50\t1\t0\t2
2\t6\t8\t-10\t0\t60\t1\t1\t0
3\t0\t5\t20\t0\t50\t1\t0\t4
4\t0\t10\t-20\t0\t90\t1\t3\t0
"""

SARTORI = """\
NAME: tiny-n5
LOCATION: Nowhere
COMMENT: test
TYPE: PDPTW
SIZE: 5
DISTRIBUTION: none
DEPOT: central
ROUTE-TIME: 100
TIME-WINDOW: 60
CAPACITY: 30
NODES
0 41.0 2.0 0 0 100 0 0 0
1 41.1 2.0 10 0 60 2 0 2
2 41.2 2.0 -10 0 80 2 1 0
3 41.0 2.1 20 0 60 2 0 4
4 41.0 2.2 -20 0 80 2 3 0
EDGES
0 5 9 4 8
5 0 4 7 9
9 4 0 9 9
4 7 9 0 4
8 9 9 4 0
"""


def test_parse_lilim_inline():
    inst = parse(LILIM, "tiny")
    assert inst.kind == "lilim"
    p = inst.problem
    assert len(p.requests) == 2 and len(p.vehicles) == 3
    assert p.vehicles[0].capacity["q"] == 50
    assert p.travel().distance_m[0, 1] == 5.0  # 3-4-5 triangle, unrounded Euclidean
    r = p.request("1")
    assert p.delivery_of(r).windows[0].end_s == 60
    sol = solve(p, SolveParams(time_limit_s=2, deterministic=True))
    assert validate(p, sol) == []
    assert sorted(n for route in inst.routes(sol) for n in route) == [1, 2, 3, 4]


def test_parse_sartori_inline():
    inst = parse(SARTORI, "file-name")
    assert inst.kind == "sartori" and inst.name == "tiny-n5"
    p = inst.problem
    assert len(p.requests) == 2 and p.vehicles[0].capacity["q"] == 30
    assert p.travel().duration_s[1, 2] == 4
    assert p.vehicles[0].shift.end_s == 100
    sol = solve(p, SolveParams(time_limit_s=2, deterministic=True))
    assert validate(p, sol) == [] and not sol.dropped
    assert inst.cost(sol) == sol.travel_s


def test_parse_rejects_other_files():
    with pytest.raises(FormatError):
        parse("hello world\n1 2", "junk")
    with pytest.raises(FormatError):
        parse(SARTORI.replace("EDGES", "EDGE"), "broken")


def test_simulate_checks_foreign_plans():
    inst = parse(LILIM, "tiny")
    p = inst.problem
    sol = simulate(p, [("v0", [("1", "pickup"), ("1", "delivery"), ("3", "pickup"), ("3", "delivery")])])
    assert validate(p, sol) == []
    bad = simulate(p, [("v0", [("1", "delivery"), ("1", "pickup")])])
    assert {v.code for v in validate(p, bad)} == {"precedence"}
    assert [d.request_id for d in bad.dropped] == ["3"]


def test_bench_command_prints_json_lines(tmp_path, capsys):
    f = tmp_path / "tiny.txt"
    f.write_text(LILIM)
    bks = tmp_path / "bks.csv"
    bks.write_text("instance,vehicles,distance\ntiny,1,1000\n")
    main(["--time-limit", "1", "--workers", "1", "--json", "--bks", str(bks), str(f)])
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    row = lines[0]
    assert {"instance", "vehicles", "cost", "runtime_s", "valid", "routes"} <= set(row)
    assert row["instance"] == "tiny" and row["valid"] is True
    assert "summary" in lines[-1]


needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"shared benchmark folder {SHARED} not present")


@needs_shared
@pytest.mark.parametrize("folder, count", [("lilim-100", 56), ("sartori-100", 13)])
def test_real_instances_parse(folder, count):
    files = sorted((SHARED / folder).glob("*.txt"))
    assert len(files) == count
    bks = read_bks(SHARED / folder / "bks.csv")
    assert len(bks) == count
    for f in files:
        inst = parse(f.read_text(), f.stem)
        assert 40 <= len(inst.problem.requests) <= 60
        assert all(math.isfinite(x) for x in inst.problem.travel().duration_s.ravel())


@needs_shared
def test_a_real_instance_solves_to_a_valid_plan_on_the_published_scale():
    """A quick solve of lc101 is valid, serves everything, and is no better than the best known."""
    inst = parse((SHARED / "lilim-100" / "lc101.txt").read_text(), "lc101")
    sol = solve(inst.problem, SolveParams(time_limit_s=3, deterministic=True))
    assert validate(inst.problem, sol) == [] and not sol.dropped
    assert inst.cost(sol) >= 828.93
