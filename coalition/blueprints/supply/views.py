from __future__ import annotations

from coalition.blueprints.supply import bp  # noqa: F401
