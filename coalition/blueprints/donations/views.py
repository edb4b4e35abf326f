from __future__ import annotations

from coalition.blueprints.donations import bp  # noqa: F401
