"""The shared progress figures and an organization's part, and the neighborhood briefs (figures, PDF, zip),
checked by hand on the small history of tests/fixtures/progress.py."""
from __future__ import annotations

import datetime as dt
import io
import subprocess
import zipfile

import pytest
from sqlalchemy import select

from coalition.errors import NotFound
from coalition.models import DeliveryRecord
from coalition.services import briefs, progress

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _pdf_text(body: bytes, tmp_path, name: str = "brief.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(body)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _shares(part: progress.YourPart) -> dict:
    return {s.key: (round(s.own, 3), round(s.coalition, 3), s.share_pct) for s in part.shares}


def test_the_coalition_figures_are_the_sum_of_the_periods_deliveries_and_reports(session, small_history):
    board = progress.build_progress(session, small_history, None)
    assert round(board.totals.kg_distributed, 3) == 395.4 and round(board.totals.kg_rescued, 3) == 395.4
    assert round(board.totals.meals, 2) == round(395.4 / 0.544, 2)
    assert board.people.visits == 1234 + 4321
    assert len(board.months) == 12 and round(board.months[-1].kg_distributed, 3) == 395.4
    assert board.part is None


def test_each_organizations_part_counts_what_it_gave_received_carried_and_reported(session, org, small_history):
    grocer = progress.build_progress(session, small_history, org("Hawthorne Green Grocer")).part
    assert _shares(grocer) == {"donated": (123.4, 395.4, 31.2), "received": (0, 395.4, 0.0),
                               "delivered": (0, 395.4, 0.0), "people_served": (0, 5555, 0.0)}
    assert [round(m.donated_kg, 3) for m in grocer.months] == [0] * 11 + [123.4]
    bank = progress.build_progress(session, small_history, org("Columbia Regional Food Bank")).part
    assert _shares(bank)["received"] == (123.4, 395.4, 31.2) and _shares(bank)["people_served"] == (1234, 5555, 22.2)
    assert sum(m.visits for m in bank.months) == 1234 and bank.months[-2].visits == 1234
    backbone = progress.build_progress(session, small_history, org("Feeding Our City Backbone")).part
    assert _shares(backbone)["delivered"] == (272, 395.4, 68.8)
    city = progress.build_progress(session, small_history, org("City Office of Community Food Security")).part
    assert all(s.own == 0 and s.share_pct == 0.0 for s in city.shares)


def test_a_brief_has_the_rate_trend_food_meals_per_resident_distance_partners_and_rank(session, small_history):
    north, west = briefs.build_briefs(session, small_history)
    assert (north.stats.name, north.stats.rank, north.ranked_among) == ("North Square", 1, 2)
    assert north.stats.food_insecurity_pct == 18.0 and round(north.stats.food_insecure) == 1800
    assert [(r.year, r.value_pct) for r in north.rates] == [(2024, 20.0), (2026, 18.0)]
    assert north.rate_change_pts == -2.0
    assert round(north.stats.kg, 3) == 123.4 and north.previous_kg == 54.4 and north.kg_change_pct == 126.8
    assert round(north.stats.meals_per_food_insecure, 4) == round(123.4 / 0.544 / 1800, 4)
    assert north.stats.distance_km < 0.05 and north.stats.nearest_site == "Columbia Regional Food Bank"
    assert [p.name for p in north.partners] == ["Columbia Regional Food Bank"]
    assert (west.stats.name, west.stats.rank) == ("West Square", 2)
    assert round(west.stats.meals_per_food_insecure, 4) == 1.0 and west.rate_change_pts is None
    assert west.kg_change_pct is None and [p.name for p in west.partners] == ["Old Town Night Shelter"]


def test_an_unknown_neighborhood_has_no_brief(session, small_history):
    with pytest.raises(NotFound):
        briefs.get_brief(session, 987654, small_history)


def test_the_brief_pdf_reads_back_its_figures_on_one_page(session, small_history, tmp_path):
    north = briefs.get_brief(session, briefs.build_briefs(session, small_history)[0].stats.id, small_history)
    text = _pdf_text(briefs.render_brief_pdf(north, "Feeding Our City", NOW), tmp_path)
    assert "Neighborhood brief: North Square" in text
    assert "Rate: 18% of residents, about 1,800 people." in text
    assert "2024: 20% -> 2026: 18% (-2.00 percentage points)" in text
    assert "123.4 kg" in text and "54.4 kg (+126.8%)" in text and "0.13" in text
    assert "nearest food bank or shelter" in text and "Columbia Regional Food Bank" in text
    assert "Rank 1 of 2" in text and "Page 1 of 1" in text


def test_the_zip_holds_one_pdf_per_neighborhood_in_rank_order(session, small_history, tmp_path):
    found = briefs.build_briefs(session, small_history)
    archive = zipfile.ZipFile(io.BytesIO(briefs.render_briefs_zip(found, "Feeding Our City", NOW)))
    names = archive.namelist()
    assert len(names) == 2 and "north-square" in names[0] and "west-square" in names[1]
    assert "Neighborhood brief: West Square" in _pdf_text(archive.read(names[1]), tmp_path, "west.pdf")


def test_a_confidential_shelter_serving_a_neighborhood_goes_by_its_public_name(session, org, small_history, tmp_path):
    shelter = org("Old Town Night Shelter")
    shelter.confidential, shelter.public_alias = True, "Westside safe place"
    session.commit()
    west = briefs.build_briefs(session, small_history)[1]
    assert [p.name for p in west.partners] == ["Westside safe place"]
    assert west.stats.nearest_site == "Westside safe place" and west.stats.distance_km == round(west.stats.distance_km)
    text = _pdf_text(briefs.render_brief_pdf(west, "Feeding Our City", NOW), tmp_path)
    assert "Westside safe place" in text and "Old Town Night Shelter" not in text


def test_food_lost_to_the_cold_chain_counts_in_no_part_and_no_brief(session, org, small_history):
    """A discarded or refused delivery record is food lost, not food given, received or delivered."""
    bank, shelter = org("Columbia Regional Food Bank"), org("Old Town Night Shelter")
    records = session.scalars(select(DeliveryRecord).order_by(DeliveryRecord.id)).all()
    recent_bank = [r for r in records if r.recipient_id == bank.id and r.delivered_at >= small_history.start]
    earlier_bank = [r for r in records if r.recipient_id == bank.id and r.delivered_at < small_history.start]
    recent_bank[0].outcome, recent_bank[0].loss_reason = "discarded", "too_warm"
    earlier_bank[0].outcome, earlier_bank[0].loss_reason = "refused", "too_warm"
    for record in records:
        if record.recipient_id == shelter.id:
            record.outcome, record.loss_reason = "refused", "too_warm"
    session.commit()
    grocer = progress.build_progress(session, small_history, org("Hawthorne Green Grocer")).part
    assert _shares(grocer)["donated"][0] == 61.7
    assert _shares(progress.build_progress(session, small_history, bank).part)["received"][0] == 61.7
    assert _shares(progress.build_progress(session, small_history, org("Feeding Our City Backbone")).part)["delivered"][0] == 0
    north, west = sorted(briefs.build_briefs(session, small_history), key=lambda b: b.stats.name)
    assert north.previous_kg == 0 and west.partners == []
