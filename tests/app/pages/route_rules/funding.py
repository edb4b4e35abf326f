"""Access rules of the funding ledger: a grant the city agency funds, with one spending entry."""
import datetime as dt

from sqlalchemy import select

from tests.app.pages.route_rules import BACKBONE_STAFF, SIGNED_IN

PARTNER_PEOPLE = SIGNED_IN - {"driver"}        # totals by purpose, no funder names
FUNDERS = BACKBONE_STAFF | {"city"}            # the grants and their reports

RULES = {
    "funding.index": ("GET", "/funding/", PARTNER_PEOPLE, {200}),
    "funding.create": ("GET", "/funding/grants/new", BACKBONE_STAFF, {200}),
    "funding.detail": ("GET", "/funding/grants/{grant}", FUNDERS, {200}),
    # Empty POSTs: refused as incomplete, so the walk changes nothing.
    "funding.edit": ("POST", "/funding/grants/{grant}/edit", BACKBONE_STAFF, {422}),
    "funding.record_spending": ("POST", "/funding/grants/{grant}/spending", BACKBONE_STAFF, {422}),
    "funding.report": ("GET", "/funding/report", FUNDERS, {200}),
    "funding.report_download": ("GET", "/funding/report.pdf", FUNDERS, {200}),
}


def build_values(session, values) -> dict[str, int]:
    from coalition.models import Organization, User
    from coalition.services import funding

    now = dt.datetime.now(dt.timezone.utc)
    backbone = session.scalar(select(User).where(User.email == "backbone@example.org"))
    city = session.scalar(select(Organization).where(Organization.name == "City Office of Community Food Security"))
    grant = funding.create_grant(session, backbone, funding.GrantInput(
        title="Walk fuel fund", funder_organization_id=city.id, funder_name="", amount="1000.00", currency="USD",
        period_start=now.date(), period_end=now.date() + dt.timedelta(days=365), purpose="fuel", status="received",
        received_on=now.date(), supports="kg_rescued"), now)
    funding.record_spending(session, backbone, grant, now.date(), "10.00", "USD", "fuel", "", now)
    session.commit()
    return {"grant": grant.id}
