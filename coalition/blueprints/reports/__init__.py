"""Donor receipts (PDF, any period) and the backbone's monthly food-recovery report (SB 1383 layout, CSV and PDF)."""
from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from coalition.blueprints.reports import views  # noqa: E402,F401
