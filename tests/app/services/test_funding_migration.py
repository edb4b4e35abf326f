"""The funding ledger's migration: its tables come and go with it, and the database itself keeps money whole."""
from __future__ import annotations

import datetime as dt

import flask_migrate
import pytest
import sqlalchemy as sa

from coalition.extensions import db
from tests.dbutil import scratch_database_url
from tests.fixtures.web import make_test_app

GRANTS = sa.table("grants", *(sa.column(c) for c in (
    "id", "title", "funder_organization_id", "funder_name", "amount_minor", "currency", "period_start", "period_end",
    "purpose", "status", "received_on", "supports", "activity", "created_at", "updated_at")))


def _grant(**changes) -> dict:
    now = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)
    row = {"title": "Fund", "funder_organization_id": None, "funder_name": "A foundation", "amount_minor": 1,
           "currency": "USD", "period_start": dt.date(2026, 1, 1), "period_end": dt.date(2026, 12, 31),
           "purpose": "fuel", "status": "pledged", "received_on": None, "supports": "kg_rescued", "activity": "",
           "created_at": now, "updated_at": now}
    return {**row, **changes}


def test_the_funding_tables_come_with_their_revision_and_keep_money_whole(tmp_path):
    application = make_test_app(scratch_database_url("funding_migration", tmp_path), tmp_path)
    with application.app_context():
        flask_migrate.upgrade(revision="0011_funding_ledger")
        assert {"grants", "grant_spending"} <= set(sa.inspect(db.engine).get_table_names())
        with db.engine.begin() as connection:
            # Forty billion cents: beyond a 32-bit integer, kept exactly.
            connection.execute(GRANTS.insert().values(id=1, **_grant(amount_minor=4_000_000_000_000)))
            assert connection.scalar(sa.select(GRANTS.c.amount_minor)) == 4_000_000_000_000
        for bad in (_grant(amount_minor=0), _grant(funder_name=None), _grant(status="received"),
                    _grant(period_end=dt.date(2025, 1, 1))):
            with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:
                connection.execute(GRANTS.insert().values(**bad))
        flask_migrate.downgrade(revision="0010_geo_address_geocode_cache")
        assert not {"grants", "grant_spending"} & set(sa.inspect(db.engine).get_table_names())
        db.engine.dispose()
