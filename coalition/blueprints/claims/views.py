from __future__ import annotations

from coalition.blueprints.claims import bp  # noqa: F401
