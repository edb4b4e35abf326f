"""Scale-out by zones: every request in exactly one zone, the fleet shared out, zone answers merged."""
from __future__ import annotations

import routing
from coalition.services import zoning


def _request(rid, lat, lon):
    return routing.Request(rid, "pickup_delivery", pickup=routing.StopSpec(routing.Location(lat, lon)),
                           delivery=routing.StopSpec(routing.Location(lat + 0.01, lon + 0.01)), load={"g": 1})


def test_two_far_apart_neighbourhoods_become_two_zones_with_their_nearest_drivers():
    north = [_request(f"n{i}", 45.60 + i * 0.001, -122.68) for i in range(4)]
    south = [_request(f"s{i}", 45.45 + i * 0.001, -122.68) for i in range(4)]
    vehicles = [routing.Vehicle(f"v{i}", start=routing.Location(lat, -122.68), capacity={"g": 100})
                for i, lat in enumerate((45.61, 45.46, 45.59, 45.44))]
    zones = zoning.split(routing.Problem(requests=tuple(north + south), vehicles=tuple(vehicles)), 2)
    assert len(zones) == 2
    ids = [{r.id for r in z.requests} for z in zones]
    assert sorted(ids, key=sorted) == [{r.id for r in north}, {r.id for r in south}]
    for zone in zones:
        northern = zone.requests[0].id.startswith("n")
        assert all((v.start.lat > 45.5) == northern for v in zone.vehicles) and len(zone.vehicles) == 2
    solutions = [routing.solve(z, routing.SolveParams(time_limit_s=1, deterministic=True)) for z in zones]
    merged = zoning.merge(solutions)
    served = {v.request_id for r in merged.routes for v in r.visits}
    assert served == {r.id for r in north + south}
    assert not routing.validate(routing.Problem(requests=tuple(north + south), vehicles=tuple(vehicles)), merged)
