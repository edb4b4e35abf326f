from __future__ import annotations

from coalition.blueprints.notifications import bp  # noqa: F401
