"""The security tests run on the demo coalition with the shared fixtures of tests/fixtures/, each in a rolled-back transaction."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _rolled_back(session):
    """Every test here gets the rolled-back session, so requests that write leave nothing behind."""
    yield session
