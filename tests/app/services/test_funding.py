"""The funding ledger: money parsed and stored exactly, spending in the grant's currency and within it,
who sees which grants, and a funder report whose figures are checked by hand."""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from coalition.errors import NotFound, PermissionDenied, ValidationError
from coalition.models import FundingPurpose, Grant, GrantSpending, PartnerReport
from coalition.services import deliveries, demo, funding, funding_reports
from tests.fixtures.coordination import at, deliver

TZ = ZoneInfo("America/Los_Angeles")
CITY = "City Office of Community Food Security"


def _input(org=None, **changes) -> funding.GrantInput:
    values = dict(title="Fuel fund", funder_organization_id=None, funder_name="Rose City Foundation",
                  amount="1000.00", currency="USD", period_start=dt.date(2021, 1, 1), period_end=dt.date(2021, 12, 31),
                  purpose="fuel", status="received", received_on=dt.date(2021, 3, 2), supports="kg_rescued")
    values.update(changes)
    return funding.GrantInput(**values)


@pytest.fixture
def backbone(user):
    return user("backbone@example.org")


@pytest.fixture
def city_grant(session, org, backbone, now):
    return funding.create_grant(session, backbone, _input(funder_organization_id=org(CITY).id, funder_name="",
                                                          title="City fuel fund"), now)


# --- money --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, currency, minor", [
    ("1250.50", "USD", 125050), ("1,250.50", "USD", 125050), ("0.10", "USD", 10), ("0.1", "USD", 10),
    ("19.99", "USD", 1999), ("1000", "JPY", 1000), ("1.234", "KWD", 1234), ("  7 ", "EUR", 700),
])
def test_typed_amounts_become_exact_minor_units(text, currency, minor):
    """0.1 + 0.2 is not 0.3 in floats; read with Decimal, 19.99 is 1999 cents exactly."""
    assert funding.parse_amount(text, currency) == minor


@pytest.mark.parametrize("text, currency", [
    ("0.001", "USD"), ("12.345", "USD"), ("1.5", "JPY"), ("1.2345", "KWD"),
])
def test_more_decimals_than_the_currency_has_are_refused_not_rounded(text, currency):
    with pytest.raises(ValidationError) as raised:
        funding.parse_amount(text, currency)
    assert "decimals" in raised.value.fields["amount"]


@pytest.mark.parametrize("text", ["", "abc", "-5", "0", "0.00", "1e3", "NaN", "Infinity", "1,23.00", "12,5",
                                  "1000000000", "$5"])
def test_amounts_that_are_not_plain_positive_numbers_are_refused(text):
    with pytest.raises(ValidationError) as raised:
        funding.parse_amount(text, "USD")
    assert "amount" in raised.value.fields


def test_an_unknown_currency_is_refused_beside_its_field():
    with pytest.raises(ValidationError) as raised:
        funding.parse_amount("5", "XYZ")
    assert "currency" in raised.value.fields


def test_money_is_stored_as_integers_and_shown_back_as_typed(session, backbone, now):
    grant = funding.create_grant(session, backbone, _input(amount="12,345.67"), now)
    session.expire_all()
    stored = session.get(Grant, grant.id)
    assert stored.amount_minor == 1234567 and isinstance(stored.amount_minor, int) and stored.currency == "USD"
    assert funding.plain_amount(stored.amount_minor, "USD") == "12345.67"
    assert funding.format_money(stored.amount_minor, "USD") == "USD 12,345.67"
    assert funding.to_decimal(stored.amount_minor, "USD") == Decimal("12345.67")
    assert funding.format_money(1000, "JPY") == "JPY 1,000"


def test_many_small_spending_entries_add_up_to_the_cent(session, backbone, now):
    """Ten entries of 0.10 are exactly 1.00 spent (floats would give 0.9999999999999999)."""
    grant = funding.create_grant(session, backbone, _input(amount="1.00"), now)
    for _ in range(10):
        funding.record_spending(session, backbone, grant, dt.date(2021, 3, 5), "0.10", "USD", "fuel", "", now)
    assert grant.spent_minor == 100 and grant.remaining_minor == 0
    with pytest.raises(ValidationError) as raised:
        funding.record_spending(session, backbone, grant, dt.date(2021, 3, 5), "0.01", "USD", "fuel", "", now)
    assert "remains" in raised.value.fields["amount"]


# --- grants and spending ---------------------------------------------------------------------------------

def test_spending_in_another_currency_than_the_grants_is_refused(session, backbone, now, city_grant):
    with pytest.raises(ValidationError) as raised:
        funding.record_spending(session, backbone, city_grant, dt.date(2021, 3, 5), "10.00", "EUR", "fuel", "", now)
    assert "USD" in raised.value.fields["currency"]
    assert session.scalar(select(func.count(GrantSpending.id))) == 0


def test_every_bad_field_of_a_grant_is_named_at_once(session, backbone, now):
    with pytest.raises(ValidationError) as raised:
        funding.create_grant(session, backbone, _input(title=" ", funder_name="", amount="1.001", purpose="caviar",
                                                       period_end=dt.date(2020, 1, 1), received_on=None,
                                                       supports="nothing"), now)
    assert set(raised.value.fields) == {"title", "funder_name", "amount", "purpose", "period_end", "received_on",
                                        "supports"}


def test_a_grant_has_one_funder_a_partner_or_a_named_outsider(session, org, backbone, now):
    with pytest.raises(ValidationError) as raised:
        funding.create_grant(session, backbone, _input(funder_organization_id=org(CITY).id), now)
    assert "funder_name" in raised.value.fields
    with pytest.raises(ValidationError) as raised:
        funding.create_grant(session, backbone, _input(funder_organization_id=999999, funder_name=""), now)
    assert "funder_organization_id" in raised.value.fields


def test_only_the_backbone_records_grants_and_spending(session, user, now, city_grant):
    for email in ("city@example.org", "grocer@example.org", "driver@example.org"):
        with pytest.raises(PermissionDenied):
            funding.create_grant(session, user(email), _input(), now)
        with pytest.raises(PermissionDenied):
            funding.record_spending(session, user(email), city_grant, dt.date(2021, 3, 5), "1", "USD", "fuel", "", now)


def test_an_edit_keeps_the_currency_of_spent_money_and_the_amount_above_it(session, backbone, now, city_grant, org):
    funding.record_spending(session, backbone, city_grant, dt.date(2021, 3, 5), "600.00", "USD", "fuel", "", now)
    same = dict(funder_organization_id=org(CITY).id, funder_name="", title="City fuel fund")
    with pytest.raises(ValidationError) as raised:
        funding.update_grant(session, backbone, city_grant, _input(currency="EUR", **same), now)
    assert "currency" in raised.value.fields
    with pytest.raises(ValidationError) as raised:
        funding.update_grant(session, backbone, city_grant, _input(amount="599.99", **same), now)
    assert "amount" in raised.value.fields
    funding.update_grant(session, backbone, city_grant, _input(amount="600.00", status="pledged", **same), now)
    assert city_grant.amount_minor == 60000 and city_grant.received_on is None


# --- visibility ------------------------------------------------------------------------------------------

def test_the_city_sees_the_grants_it_funds_and_no_other(session, user, backbone, now, city_grant):
    outside = funding.create_grant(session, backbone, _input(title="Foundation fund"), now)
    assert {g.id for g in funding.list_grants(session, backbone)} >= {city_grant.id, outside.id}
    assert [g.id for g in funding.list_grants(session, user("city@example.org"))] == [city_grant.id]


def test_other_partners_see_totals_only_and_drivers_nothing(session, user, backbone, now, city_grant):
    funding.create_grant(session, backbone, _input(amount="250.25", purpose="cold_chain", status="pledged",
                                                   received_on=None), now)
    funding.record_spending(session, backbone, city_grant, dt.date(2021, 3, 5), "40.10", "USD", "cold_chain", "", now)
    grocer = user("grocer@example.org")
    with pytest.raises(PermissionDenied):
        funding.list_grants(session, grocer)
    [usd] = funding.funding_totals(session, grocer)
    assert usd.received == {FundingPurpose.FUEL: 100000}
    assert usd.pledged == {FundingPurpose.COLD_CHAIN: 25025}
    assert usd.spent == {FundingPurpose.COLD_CHAIN: 4010}
    assert set(vars(usd)) == {"currency", "received", "pledged", "spent"}   # no funder, title or grant in it
    with pytest.raises(PermissionDenied):
        funding.funding_totals(session, user("driver@example.org"))
    with pytest.raises(PermissionDenied):
        funding_reports.build_funder_report(session, grocer, dt.date(2021, 1, 1), dt.date(2021, 12, 31), TZ)


def test_a_funder_asking_for_another_funders_grant_gets_not_found(session, user, backbone, now, city_grant):
    outside = funding.create_grant(session, backbone, _input(title="Foundation fund"), now)
    with pytest.raises(NotFound):
        funding_reports.build_funder_report(session, user("city@example.org"), dt.date(2021, 1, 1),
                                            dt.date(2021, 12, 31), TZ, grant_id=outside.id)


# --- the funder report, checked by hand -----------------------------------------------------------------

@pytest.fixture
def march(session, org, backbone, now, city_grant):
    """March 2021: the city's USD 1,000.00 received on 2 March; USD 300.00 spent in March (fuel 200 + cold
    chain 100) and 50.00 in April; 544 kg delivered in March (picked up 600 kg), at 0.544 kg per meal that
    is 1,000 meals; 120 visits reported for March."""
    for kind, amount, day in (("fuel", "200.00", dt.date(2021, 3, 10)), ("cold_chain", "100.00", dt.date(2021, 3, 31)),
                              ("fuel", "50.00", dt.date(2021, 4, 1))):
        funding.record_spending(session, backbone, city_grant, day, amount, "USD", kind, "", now)
    for kg, picked_up_kg, day in ((300, 328, 3), (244, 272, 20)):
        deliveries.record_delivery(session, delivered_at=at(day), kg=kg, picked_up_kg=picked_up_kg, category="bakery",
                                   storage="ambient", donor=org("Hawthorne Green Grocer"),
                                   recipient=org("Columbia Regional Food Bank"))
    deliver(session, org, 1000, when=dt.datetime(2021, 4, 2, 19, tzinfo=dt.timezone.utc))   # April: not counted
    session.add(PartnerReport(organization=org("Old Town Night Shelter"), period_start=dt.date(2021, 3, 1),
                              period_end=dt.date(2021, 3, 31), visits=120))
    session.flush()
    return city_grant


def test_the_funder_report_figures_match_the_hand_count(session, user, march):
    report = funding_reports.build_funder_report(session, user("city@example.org"), dt.date(2021, 3, 1),
                                                 dt.date(2021, 3, 31), TZ)
    [usd] = report.currencies
    assert usd.received == {FundingPurpose.FUEL: 100000}
    assert usd.spent == {FundingPurpose.FUEL: 20000, FundingPurpose.COLD_CHAIN: 10000}
    assert report.kg_distributed == pytest.approx(544) and report.kg_rescued == pytest.approx(600)
    assert report.meals == pytest.approx(1000) and report.people_visits == 120
    assert usd.cost_per_meal == Decimal("0.30")          # 300.00 / 1,000 meals
    assert usd.cost_per_kg_rescued == Decimal("0.50")    # 300.00 / 600 kg
    assert report.scope == CITY
    assert "0.544 kg per meal" in report.method


def test_a_period_with_no_food_has_no_unit_cost(session, user, march):
    report = funding_reports.build_funder_report(session, user("backbone@example.org"), dt.date(2021, 5, 1),
                                                 dt.date(2021, 5, 31), TZ)
    assert report.deliveries == 0 and report.grants == []
    assert all(section.cost_per_meal is None for section in report.currencies)


def test_the_report_csv_carries_exact_amounts_and_the_method(session, user, march):
    report = funding_reports.build_funder_report(session, user("city@example.org"), dt.date(2021, 3, 1),
                                                 dt.date(2021, 3, 31), TZ)
    text = funding_reports.report_csv(report)
    assert "spent,Fuel reimbursement,USD,200.00" in text and "spent_total,All purposes,USD,300.00" in text
    assert "cost_per_meal,,USD,0.30" in text and "received_total,All purposes,USD,1000.00" in text
    assert "method" in text


def test_the_report_pdf_reads_back_with_its_figures(session, user, march, tmp_path):
    assert shutil.which("pdftotext")
    report = funding_reports.build_funder_report(session, user("city@example.org"), dt.date(2021, 3, 1),
                                                 dt.date(2021, 3, 31), TZ)
    body = funding_reports.render_report_pdf(report, "Feeding Our City", dt.datetime(2021, 4, 5, tzinfo=dt.timezone.utc))
    path = tmp_path / "report.pdf"
    path.write_bytes(body)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Funder report" in text and "2021-03-01 to 2021-03-31" in text
    assert "USD 1,000.00" in text and "USD 300.00" in text
    assert "Cost per meal: USD 0.30" in text and "Cost per kg of food rescued: USD 0.50" in text
    assert "City fuel fund" in text and "Method" in text


@pytest.mark.parametrize("start, end, field", [("2021-02-30", "", "start"), ("2021-03-10", "2021-03-01", "end"),
                                               ("2010-01-01", "2021-01-01", "start")])
def test_a_bad_report_period_is_named(start, end, field):
    with pytest.raises(ValidationError) as raised:
        funding_reports.parse_period(start, end, dt.date(2021, 6, 1))
    assert field in raised.value.fields


# --- the demo -----------------------------------------------------------------------------------------------

def test_flask_demo_load_adds_two_grants_with_spending_once(app, session, user):
    for _ in range(2):
        result = app.test_cli_runner().invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output
    grants = list(session.scalars(select(Grant).order_by(Grant.id)))
    assert len(grants) == 2 and all(g.spending and g.spent_minor < g.amount_minor for g in grants)
    assert {g.funder for g in grants} == {CITY, "Willamette Community Foundation (demo)"}
    assert [g.title for g in funding.list_grants(session, user("city@example.org"))] == ["Volunteer fuel reimbursement"]
    assert demo.load_demo_funding(session, dt.datetime.now(dt.timezone.utc)) == 0
