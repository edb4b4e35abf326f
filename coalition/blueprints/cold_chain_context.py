"""What templates need to show temperatures: the coalition's unit, the formatter and the labels."""
from __future__ import annotations

from flask import current_app

from coalition.services import cold_chain


def cold_chain_context() -> dict:
    """The ``cc`` argument of templates/_cold_chain.html's macros."""
    return {"unit": current_app.config["TEMPERATURE_UNIT"], "format_dc": cold_chain.format_dc,
            "reasons": cold_chain.REASONS, "labels": cold_chain.OUTCOME_LABELS}
