"""Access rules of donor receipts and the backbone's compliance reports."""
from tests.app.pages.route_rules import BACKBONE_STAFF, DONOR_PEOPLE, DONORS

RULES = {
    "reports.receipts_index": ("GET", "/reports/receipts", DONORS | BACKBONE_STAFF, {200}),
    # {org} is the grocer's store: its own people and the backbone only (the farmer gets 404).
    "reports.receipt_pdf": ("GET", "/reports/receipts/{org}.pdf", DONOR_PEOPLE | BACKBONE_STAFF, {200}),
    "reports.compliance_index": ("GET", "/reports/compliance", BACKBONE_STAFF, {200}),
    "reports.compliance_download": ("GET", "/reports/compliance/2026-10.csv", BACKBONE_STAFF, {200}),
    "reports.cold_chain_patterns": ("GET", "/reports/cold-chain/patterns", BACKBONE_STAFF, {200}),
    # {org} is the grocer's store: a donor's cold-chain report is its own people's and the backbone's.
    "reports.cold_chain_csv": ("GET", "/reports/cold-chain/{org}/2026-10.csv", DONOR_PEOPLE | BACKBONE_STAFF, {200}),
    "reports.cold_chain_pdf": ("GET", "/reports/cold-chain/{org}/2026-10.pdf", DONOR_PEOPLE | BACKBONE_STAFF, {200}),
    # Empty POST: refused as incomplete.
    "reports.values": ("POST", "/reports/values", BACKBONE_STAFF, {422}),
}
