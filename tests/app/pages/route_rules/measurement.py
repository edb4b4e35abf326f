"""Access rules of shared measurement: dashboards, downloads, goal and settings, partner reports, the indicators API."""
from sqlalchemy import select

from tests.app.pages.route_rules import BACKBONE_STAFF, DONOR_PEOPLE, PUBLIC, RECIPIENTS, SIGNED_IN

# The public page answers 404 while the backbone has it switched off (the backbone always previews it).
PUBLIC_PAGE = {200, 404}
# Every demo login belongs to a partner organization: all of them see the shared progress and the briefs.
MEMBERS = SIGNED_IN
# Policy work: the city agency and the backbone download every neighborhood's brief at once.
POLICY = BACKBONE_STAFF | {"city"}

RULES = {
    # The backbone's dashboard (200); every other member is sent on to the shared progress page (302).
    "measurement.dashboard": ("GET", "/measurement/", MEMBERS, {200, 302}),
    "measurement.mine": ("GET", "/measurement/mine", MEMBERS, {302}),
    "measurement.progress_page": ("GET", "/measurement/progress", MEMBERS, {200}),
    "measurement.brief": ("GET", "/measurement/neighborhoods/{neighborhood}/brief", MEMBERS, {200}),
    "measurement.brief_pdf": ("GET", "/measurement/neighborhoods/{neighborhood}/brief.pdf", MEMBERS, {200}),
    "measurement.briefs_zip": ("GET", "/measurement/neighborhoods/briefs.zip", POLICY, {200}),
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


def build_values(session, values: dict) -> dict:
    """A neighborhood for the briefs: the demo boundaries, loaded when none are there yet."""
    import datetime as dt

    from coalition.models import Neighborhood
    from coalition.services import geo

    if session.scalar(select(Neighborhood.id).limit(1)) is None:
        geo.load_demo_neighborhoods(session, dt.datetime.now(dt.timezone.utc))
        session.commit()
    return {"neighborhood": session.scalar(select(Neighborhood.id).order_by(Neighborhood.id))}
