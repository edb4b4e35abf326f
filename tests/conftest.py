"""Registers the shared fixtures of tests/fixtures/ for every test folder.

pytest accepts ``pytest_plugins`` only in a conftest it loads before collecting,
such as this top-level one, never in the conftest of a subfolder.
"""
pytest_plugins = ["tests.fixtures.app", "tests.fixtures.factories", "tests.fixtures.progress", "tests.fixtures.redis",
                  "tests.fixtures.osrm", "tests.fixtures.geocoder", "tests.fixtures.push_service"]
