"""Factories for tiny routing problems whose optimum can be checked by hand.

Most problems put places on a line: place ``x`` is ``Location(index=...)``
of a precomputed matrix where driving from ``a`` to ``b`` takes ``|a - b|``
seconds and covers ``10 * |a - b|`` metres.
"""

from __future__ import annotations

import numpy as np
import pytest

from routing import Location, PrecomputedMatrix, Request, SolveParams, StopSpec, TimeWindow, Vehicle


class Line:
    """Places on a line, created on demand by coordinate."""

    def __init__(self) -> None:
        self.xs: list[float] = []

    def at(self, x: float) -> Location:
        if x not in self.xs:
            self.xs.append(x)
        return Location(index=self.xs.index(x))

    def matrix(self, duration=None) -> PrecomputedMatrix:
        xs = np.array(self.xs, dtype=float)
        d = np.abs(xs[:, None] - xs[None, :])
        return PrecomputedMatrix(d if duration is None else duration(d), d * 10)

    def request(self, rid: str, p: float, d: float, *, kg: int = 10, p_windows=None, d_windows=None,
                p_service: float = 0, d_service: float = 0, **kw) -> Request:
        return Request(
            rid, "pickup_delivery",
            pickup=StopSpec(self.at(p), p_service, p_windows),
            delivery=StopSpec(self.at(d), d_service, d_windows),
            load={"kg": kg}, **kw,
        )

    def vehicle(self, vid: str, start: float = 0, end: float | None = 0, *, kg: int = 100,
                shift=(0, 10_000), **kw) -> Vehicle:
        return Vehicle(vid, start=self.at(start), end=None if end is None else self.at(end),
                       shift=TimeWindow(*shift), capacity={"kg": kg}, **kw)


@pytest.fixture
def line() -> Line:
    return Line()


@pytest.fixture
def fast() -> SolveParams:
    """Deterministic, single process, short: for tiny problems."""
    return SolveParams(time_limit_s=5, deterministic=True)


def w(a: float, b: float) -> tuple[TimeWindow, ...]:
    return (TimeWindow(a, b),)
