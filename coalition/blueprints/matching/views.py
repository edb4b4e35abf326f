from __future__ import annotations

from coalition.blueprints.matching import bp  # noqa: F401
