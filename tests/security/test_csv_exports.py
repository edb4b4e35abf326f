"""Spreadsheet formula injection: every CSV export goes through one writer that neutralizes formulas.

Formulas go into every free-text column the exports carry (organization names, addresses and phones,
directory service areas, neighbourhood names, indicator sources); then every ``.csv`` URL of the app is
downloaded, and no cell may begin with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return unless it is
a plain number.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from coalition.services.csv_export import safe_cell, write_csv
from tests.fixtures.coordination import deliver

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
# One payload per leading character OWASP lists; {n} keeps names unique.
PAYLOADS = ['=HYPERLINK("http://ev.il/?{n}","x")', "+{n}+cmd|' /C calc'!A0", "-{n}+cmd|' /C calc'!A0",
            "@SUM({n}+1)*cmd|' /C calc'!A0", "\t=1+{n}", "\r=2+{n}"]


def payload(i: int, n: int) -> str:
    return PAYLOADS[i % len(PAYLOADS)].format(n=n)


# --- the writer --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["=1+1", "+1", "-1+1", "@A1", "\t=1", "\r=1", "-", "=", "\uff1dSUM(A1)",
                                  '=HYPERLINK("http://evil.example")', "-2+3+cmd|' /C calc'!A0"])
def test_text_that_could_start_a_formula_is_prefixed_with_a_quote(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", [-12.5, -3, 0, 7, "-12.5", "-3", "-0.25", "-1e-05", "12", "a=b", "Main St + 5th",
                                   "Café 1 = 2"])
def test_numbers_and_harmless_text_pass_unchanged(value):
    assert safe_cell(value) == value


def test_the_writer_neutralizes_header_and_rows_and_keeps_negative_numbers():
    text = write_csv(["=name", "kg"], [["@evil", -4.5], ["bread", "-2.000"]])
    assert list(csv.reader(io.StringIO(text))) == [["'=name", "kg"], ["'@evil", "-4.5"], ["bread", "-2.000"]]


def test_no_module_writes_csv_without_the_safe_writer():
    """A new export that used the csv module directly would bypass the neutralizing: only the writer may."""
    root = Path(__file__).resolve().parents[2] / "coalition"
    offenders = [str(path.relative_to(root)) for path in root.rglob("*.py")
                 if path.name != "csv_export.py" and re.search(r"csv\.(writer|DictWriter)\(", path.read_text())]
    assert offenders == []


# --- every export ------------------------------------------------------------------------------------------

def _poison(session, org):
    """Formulas in every free-text column that reaches a CSV; returns the texts written, by column."""
    from coalition.models import IndicatorValue, Neighborhood, Organization, PartnerProfile, User
    from coalition.services import indicators, measurement_demo

    # Neighbourhoods, goal, partner reports and a few deliveries a month, as the demo has them.
    measurement_demo.load_demo_measurement(session, dt.datetime.now(dt.timezone.utc), deliveries_per_month=3)
    deliver(session, org, 10, "bakery", when=dt.datetime(2021, 3, 10, 19, tzinfo=dt.timezone.utc))   # compliance
    _missed_pickup(session)   # while the demo's names are still theirs: the claim is posted by name

    written: dict[str, list[str]] = {"name": [], "address": [], "phone": [], "service_neighborhoods": [],
                                     "neighborhood": [], "source": []}
    for i, o in enumerate(session.scalars(select(Organization).order_by(Organization.id))):
        o.name, o.address, o.phone = payload(i, o.id), payload(i + 1, o.id), payload(i + 2, o.id)
        written["name"].append(o.name)
        written["address"].append(o.address)
        written["phone"].append(o.phone)
    profiles = {p.organization_id: p for p in session.scalars(select(PartnerProfile))}
    for i, o in enumerate(session.scalars(select(Organization).order_by(Organization.id))):
        profile = profiles.get(o.id) or PartnerProfile(organization=o)
        profile.service_neighborhoods = payload(i + 3, o.id)
        session.add(profile)
        written["service_neighborhoods"].append(profile.service_neighborhoods)
    neighborhoods = list(session.scalars(select(Neighborhood).order_by(Neighborhood.id)))
    for i, n in enumerate(neighborhoods):
        n.name = payload(i + 4, n.id)
        written["neighborhood"].append(n.name)
    backbone = session.scalar(select(User).where(User.email == "backbone@example.org"))
    source = payload(5, 99)
    session.add(IndicatorValue(indicator="food_insecurity_rate", period_start=dt.date(2026, 1, 1),
                               period_end=dt.date(2026, 1, 31), value=-4.5, unit="%", source=source,
                               neighborhood=neighborhoods[0], entered_by_id=backbone.id))
    written["source"].append(source)
    indicators.get_settings(session).public_dashboard = True
    from coalition.models import FundingPurpose, Grant, GrantStatus

    today = dt.date.today()
    grant = Grant(title=payload(0, 77), funder_name=payload(2, 77), amount_minor=500000, currency="USD",
                  period_start=today.replace(month=1, day=1), period_end=today.replace(month=12, day=31),
                  purpose=list(FundingPurpose)[0], status=GrantStatus.PLEDGED, supports="activity",
                  activity="food rescue")
    session.add(grant)
    written["grant"] = [f"{grant.title} ({grant.funder_name})"]
    session.commit()
    return written


def _missed_pickup(session) -> None:
    """One pickup recorded as missed, so the missed-pickups-per-month export has a row."""
    from coalition.models import DriverAnswer, NoShow, User
    from tests.fixtures.driving import make_claim

    now = dt.datetime.now(dt.timezone.utc)
    claim = make_claim(session, now)
    driver = session.scalar(select(User).where(User.email == "driver@example.org"))
    session.add(NoShow(claim_id=claim.id, driver_id=driver.id, due_at=now, flagged_at=now, answer=DriverAnswer.NONE,
                       escalation_reason="", missed_at=now, missed_reason=payload(6, 88)))


def _csv_urls(app, partner_id: int) -> list[str]:
    """Every URL of every CSV export rule, with each ``any(...)`` choice spelled out."""
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.endswith(".csv") and ".<any(csv" not in rule.rule:
            continue
        choices = [[]]
        for name, converter in rule._converters.items():
            options = getattr(converter, "items", None)
            values = list(options) if options else [{"organization_id": partner_id, "month": "2021-03"}[name]]
            choices = [[*c, (name, v)] for c in choices for v in values]
        for choice in choices:
            values = dict(choice)
            if values.get("fmt", "csv") == "csv":
                urls.append(app.url_map.bind("localhost").build(rule.endpoint, values))
    return sorted(set(urls))


def test_every_csv_export_neutralizes_formulas_in_every_text_column(app, login_as, session, org):
    written = _poison(session, org)
    from coalition.models import Organization, OrganizationKind

    food_bank = session.scalar(select(Organization).where(Organization.kind == OrganizationKind.FOOD_BANK)
                               .order_by(Organization.id))
    urls = _csv_urls(app, food_bank.id)
    client = login_as("backbone")
    seen: set[str] = set()
    with_rows = 0
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, f"{url}: {response.status_code}"
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
        assert rows, f"{url} exported nothing, not even its header"
        with_rows += len(rows) >= 2
        for row in rows:
            for cell in row:
                assert not cell.startswith(FORMULA_START) or PLAIN_NUMBER.fullmatch(cell), f"{url}: {cell!r}"
                seen.add(cell)
    assert len(urls) >= 25, urls
    # Every export but the cold-chain record (no readings in the demo) carries rows of the poisoned data.
    assert with_rows >= len(urls) - 1, f"only {with_rows} of {len(urls)} exports had rows"
    for column, texts in written.items():
        assert any("'" + text in seen for text in texts), f"no export carried a neutralized {column}"
    assert "-4.5" in seen, "a negative value lost its number form"
