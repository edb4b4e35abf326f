"""Factories shared by the coordination tests (receipts, compliance, feedback): delivery records in a quiet past month."""
from __future__ import annotations

import datetime as dt

from coalition.services import deliveries

# Demo deliveries fill the recent months; these tests use March 2021 (UTC noon is the same local day in Portland).
MARCH = dt.date(2021, 3, 1)


def at(day: int, hour: int = 19) -> dt.datetime:
    return dt.datetime(2021, 3, day, hour, tzinfo=dt.timezone.utc)


def deliver(session, org, kg, category="bakery", donor="Hawthorne Green Grocer", recipient="Columbia Regional Food Bank",
            when=None, claim=None):
    return deliveries.record_delivery(session, delivered_at=when or at(10), kg=kg, category=category, storage="ambient",
                                      donor=org(donor), recipient=org(recipient), claim=claim)



def relogin(client, login_as, role: str):
    """Sign the test client in as another role: the sign-in page refuses someone already signed in."""
    client.delete_cookie("session")
    client.delete_cookie("remember_token")
    return login_as(role)
