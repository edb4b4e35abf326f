"""The web application's tests all run on the demo coalition, each inside a transaction rolled back afterwards.

The fixtures themselves live in tests/fixtures/ (registered in tests/conftest.py).
"""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _rolled_back(session):
    """Every test here, even one that asks for no fixture, gets the rolled-back session: nothing leaks between tests."""
    yield session
