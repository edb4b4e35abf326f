"""Access rules of shared measurement: dashboards, downloads, goal and settings, partner reports, the indicators API."""
from tests.app.pages.route_rules import BACKBONE_STAFF, DONOR_PEOPLE, DONORS, PUBLIC, RECIPIENTS, SIGNED_IN

# The public page answers 404 while the backbone has it switched off (the backbone always previews it).
PUBLIC_PAGE = {200, 404}

RULES = {
    "measurement.dashboard": ("GET", "/measurement/", BACKBONE_STAFF, {200}),
    "measurement.mine": ("GET", "/measurement/mine", DONORS | RECIPIENTS | BACKBONE_STAFF, {302}),
    "measurement.partner": ("GET", "/measurement/partners/{org}", DONOR_PEOPLE | BACKBONE_STAFF, {200}),
    "measurement.public": ("GET", "/measurement/public", PUBLIC, PUBLIC_PAGE),
    "measurement.export": ("GET", "/measurement/export/category.csv", BACKBONE_STAFF, {200}),
    "measurement.partner_export": ("GET", "/measurement/partners/{org}/export/months.csv", DONOR_PEOPLE | BACKBONE_STAFF, {200}),
    "measurement.public_export": ("GET", "/measurement/public/export/months.csv", PUBLIC, PUBLIC_PAGE),
    "measurement.neighborhoods_geojson": ("GET", "/measurement/neighborhoods.geojson", BACKBONE_STAFF, {200}),
    "measurement.public_neighborhoods_geojson": ("GET", "/measurement/public/neighborhoods.geojson", PUBLIC, PUBLIC_PAGE),
    "measurement.goal": ("GET", "/measurement/goal", BACKBONE_STAFF, {200}),
    "measurement.settings": ("GET", "/measurement/settings", BACKBONE_STAFF, {200}),
    # Empty POSTs: refused as incomplete, so the walk changes nothing.
    "measurement.record_rate": ("POST", "/measurement/rates", BACKBONE_STAFF, {422}),
    "measurement.import_neighborhoods": ("GET", "/measurement/neighborhoods/import", BACKBONE_STAFF, {200}),
    "measurement.reports": ("GET", "/measurement/reports", RECIPIENTS | BACKBONE_STAFF, {200}),
    "measurement.upload_reports": ("POST", "/measurement/reports/upload", RECIPIENTS | BACKBONE_STAFF, {422}),
    "measurement_api.indicators_json": ("GET", "/api/v1/indicators", SIGNED_IN, {200}),
}
RULES["measurement.remind_reports"] = ("POST", "/measurement/reports/remind", BACKBONE_STAFF, {302})
RULES["measurement.series_csv"] = ("GET", "/measurement/series.csv", BACKBONE_STAFF, {200})
