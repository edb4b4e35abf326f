from __future__ import annotations

from coalition.blueprints.needs import bp  # noqa: F401
