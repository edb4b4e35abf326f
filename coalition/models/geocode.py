"""Answers of the geocoder, kept so one address is asked for once (the public Nominatim's usage policy)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coalition.extensions import db
from coalition.models.base import UTCDateTime, utcnow


class GeocodeResult(db.Model):
    """The places a provider found for one normalized address.

    ``matches`` is a list of ``{"lat", "lon", "label"}`` in the provider's order. Only
    answers with at least one place are kept, so an address the geocoder did not know
    yesterday is asked again today.
    """

    __tablename__ = "geocode_results"
    __table_args__ = (UniqueConstraint("provider", "query"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    query: Mapped[str] = mapped_column(String(300))
    matches: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<GeocodeResult {self.provider} {self.query!r} {len(self.matches)}>"
