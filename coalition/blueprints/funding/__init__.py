"""The funding ledger: grants and pledges, spending against them, funder reports and the partners' totals."""
from flask import Blueprint

bp = Blueprint("funding", __name__, url_prefix="/funding")

from coalition.blueprints.funding import views  # noqa: E402,F401
