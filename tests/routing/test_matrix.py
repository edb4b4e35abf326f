"""Travel matrix providers, including OSRM against a tiny local server (never an external host)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

from routing import (
    HaversineProvider, Location, MatrixError, OsrmProvider, PrecomputedMatrix, Problem, ProblemError, Request,
    SolveParams, StopSpec, TimeWindow, Vehicle, solve, validate,
)
from routing.matrix import OSRM_CACHE


def test_haversine_amsterdam_to_rotterdam():
    m = HaversineProvider(speed_kmh=60, circuity=1.0).matrix([Location(52.3676, 4.9041), Location(51.9244, 4.4777)])
    assert m.distance_m[0, 1] == pytest.approx(57_000, rel=0.02)
    assert m.duration_s[0, 1] == pytest.approx(m.distance_m[0, 1] / (60 / 3.6))
    assert m.duration_s[0, 0] == 0


def test_circuity_and_speed_scale_the_default():
    pts = [Location(52.0, 4.0), Location(52.1, 4.0)]
    plain = HaversineProvider(speed_kmh=30, circuity=1.0).matrix(pts)
    winding = HaversineProvider(speed_kmh=30, circuity=1.5).matrix(pts)
    assert winding.distance_m[0, 1] == pytest.approx(1.5 * plain.distance_m[0, 1])


def test_precomputed_matrix_checks_its_input():
    with pytest.raises(ProblemError, match="square"):
        PrecomputedMatrix(np.zeros((2, 3)))
    with pytest.raises(ProblemError, match="NaN"):
        PrecomputedMatrix(np.array([[0, np.nan], [1, 0]]))
    with pytest.raises(ProblemError, match="negative"):
        PrecomputedMatrix(np.array([[0, -1], [1, 0]]))
    with pytest.raises(ProblemError, match="needs Location\\(index=...\\)"):
        PrecomputedMatrix(np.zeros((2, 2))).matrix([Location(1, 1)])


class _Osrm(BaseHTTPRequestHandler):
    """Answers /table/v1 like OSRM: duration = 100 s per 0.001 degree of |dlat| + |dlon|."""

    mode = "ok"
    calls: list[tuple[int, int]] = []

    def do_GET(self):  # noqa: N802 (http.server naming)
        url = urlsplit(self.path)  # not urlparse: it would cut the path at ";"
        coords = [tuple(map(float, c.split(","))) for c in url.path.split("/")[-1].split(";")]
        q = parse_qs(url.query)
        src = [int(i) for i in q["sources"][0].split(";")]
        dst = [int(i) for i in q["destinations"][0].split(";")]
        type(self).calls.append((len(src), len(dst)))
        if self.mode == "error":
            self._send(400, {"code": "InvalidQuery", "message": "bad coordinates"})
            return
        if self.mode == "slow":
            time.sleep(1.0)
        if self.mode == "garbage":
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"not json")
            return

        def dur(a, b):
            if self.mode == "negative" and a != b:
                return -0.5         # OSRM rounds offsets along one edge: two places on one spot may go below 0
            if self.mode == "island" and (coords[a][1] > 59 or coords[b][1] > 59) and a != b:
                return None
            return round((abs(coords[a][0] - coords[b][0]) + abs(coords[a][1] - coords[b][1])) * 100_000, 3)

        durations = [[dur(a, b) for b in dst] for a in src]
        distances = [[None if d is None else d * 10 for d in row] for row in durations]
        self._send(200, {"code": "Ok", "durations": durations, "distances": distances})

    def _send(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture
def osrm():
    _Osrm.mode = "ok"
    _Osrm.calls = []
    OSRM_CACHE.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Osrm)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Osrm
    server.shutdown()
    server.server_close()
    thread.join()


def _points(n):
    return [Location(52.0 + 0.001 * i, 4.0 + 0.002 * i) for i in range(n)]


def test_osrm_batches_and_assembles_the_matrix(osrm):
    url, handler = osrm
    provider = OsrmProvider(url, max_table_size=3)
    m = provider.matrix(_points(7))
    assert len(handler.calls) == 9  # 3 x 3 blocks of at most 3 x 3
    assert max(max(c) for c in handler.calls) == 3
    assert m.duration_s[0, 6] == pytest.approx((0.006 + 0.012) * 100_000)
    assert m.distance_m[6, 0] == pytest.approx(10 * m.duration_s[6, 0])
    assert (np.diag(m.duration_s) == 0).all()


def test_osrm_results_are_cached_across_providers_of_one_server(osrm):
    """A list of places seen before, or a part of it, asks the server nothing (a new provider, as each plan makes)."""
    url, handler = osrm
    first = OsrmProvider(url, max_table_size=10).matrix(_points(4))
    again = OsrmProvider(url, max_table_size=10).matrix(_points(4))
    part = OsrmProvider(url, max_table_size=10).matrix(_points(4)[1:3])
    assert len(handler.calls) == 1
    assert (again.duration_s == first.duration_s).all()
    assert part.duration_s[0, 1] == first.duration_s[1, 2]


def test_osrm_a_moved_place_fetches_only_its_row_and_column(osrm):
    """A re-plan where one request moved: the other pairs come from the cache, only the new place is asked."""
    url, handler = osrm
    points = _points(6)
    OsrmProvider(url).matrix(points)
    handler.calls.clear()
    moved = points[:5] + [Location(52.5, 4.5)]
    m = OsrmProvider(url).matrix(moved)
    assert sorted(handler.calls) == [(1, 6), (5, 1)]       # its row to all; the others' column to it
    assert m.duration_s[5, 0] == pytest.approx((0.5 + 0.5) * 100_000)
    assert m.duration_s[0, 5] == pytest.approx((0.5 + 0.5) * 100_000)
    assert m.duration_s[1, 2] == pytest.approx((0.001 + 0.002) * 100_000)


def test_osrm_requests_stay_within_the_servers_table_size(osrm):
    url, handler = osrm
    OsrmProvider(url, max_table_size=4, parallel=3).matrix(_points(10))
    assert len(handler.calls) == 9
    assert all(s <= 4 and d <= 4 for s, d in handler.calls)


@pytest.mark.parametrize("mode, match", [
    ("error", "HTTP 400.*bad coordinates"),
    ("garbage", "invalid JSON"),
    ("slow", "OSRM table request failed.*timed out"),
])
def test_osrm_errors_are_clear(osrm, mode, match):
    url, handler = osrm
    handler.mode = mode
    with pytest.raises(MatrixError, match=match):
        OsrmProvider(url, timeout_s=0.3).matrix(_points(2))


def test_osrm_connection_refused_is_clear():
    with pytest.raises(MatrixError, match="OSRM table request failed"):
        OsrmProvider("http://127.0.0.1:9", timeout_s=1).matrix(_points(2))


def test_unroutable_place_from_osrm_is_dropped_as_unreachable(osrm):
    url, handler = osrm
    handler.mode = "island"
    home = Location(52.0, 4.0)
    reqs = [Request("ok", pickup=StopSpec(Location(52.001, 4.0)), delivery=StopSpec(Location(52.002, 4.0))),
            Request("island", pickup=StopSpec(Location(52.001, 4.0)), delivery=StopSpec(Location(60.0, 4.0)))]
    p = Problem(reqs, [Vehicle("v", home, home, TimeWindow(0, 10_000), {"kg": 10})], matrix=OsrmProvider(url))
    sol = solve(p, SolveParams(time_limit_s=2, deterministic=True))
    assert [(d.request_id, d.reason) for d in sol.dropped] == [("island", "unreachable")]
    assert validate(p, sol) == []


def test_osrm_a_hair_below_zero_is_no_distance(osrm):
    url, handler = osrm
    handler.mode = "negative"
    m = OsrmProvider(url).matrix(_points(2))
    assert m.duration_s[0, 1] == 0 and m.distance_m[0, 1] == 0


def test_osrm_a_large_table_size_still_keeps_each_url_within_the_servers_header_limit(osrm, monkeypatch):
    """A server allowing 1,000 x 1,000 gets one request for a square of 6 here (MAX_URL_PLACES lowered to 6),
    and blocks of at most 6 places for anything larger."""
    import routing.matrix

    url, handler = osrm
    monkeypatch.setattr(routing.matrix, "MAX_URL_PLACES", 6)
    OsrmProvider(url, max_table_size=1000).matrix(_points(6))
    assert handler.calls == [(6, 6)]
    handler.calls.clear()
    OsrmProvider(url, max_table_size=1000).matrix(_points(13))
    assert handler.calls and all(s + d <= 12 for s, d in handler.calls)
