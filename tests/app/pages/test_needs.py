"""Needs: the service's validation, and the pages where recipients post, edit and cancel them."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from coalition.errors import Conflict, PermissionDenied, ValidationError
from coalition.models import AuditEvent, Need, NeedStatus
from coalition.services import needs
from coalition.services.needs import NeedInput

ZONE = ZoneInfo("America/Los_Angeles")


def local_input(value: dt.datetime) -> str:
    return value.astimezone(ZONE).strftime("%Y-%m-%dT%H:%M")


def need_form(recipient_id: int, now: dt.datetime, **overrides) -> dict:
    form = {
        "recipient_id": str(recipient_id), "category": "bakery", "storage": "ambient", "kg": "40",
        "needed_by": local_input(now + dt.timedelta(days=2)),
        "delivery_windows-0-start": local_input(now + dt.timedelta(days=1)),
        "delivery_windows-0-end": local_input(now + dt.timedelta(days=1, hours=2)),
        "delivery_windows-1-start": "", "delivery_windows-1-end": "",
        "refrigerated_free_kg": "20", "frozen_free_kg": "0", "people_expected": "120", "notes": "",
    }
    form.update(overrides)
    return form


@pytest.fixture
def shelter_need(session, user, org, now):
    """An open need of the shelter's, committed; returns its id."""
    need = needs.post_need(session, user("shelter@example.org"), org("Old Town Night Shelter"),
                           NeedInput("bakery", "ambient", 30, now + dt.timedelta(days=2), people_expected=80), now)
    session.commit()
    return need.id


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(Need))


# --- the service ------------------------------------------------------------

def test_a_need_is_stored_in_grams_with_utc_windows_and_audited(session, user, org, now):
    local = ZoneInfo("America/Los_Angeles")
    start = (now + dt.timedelta(days=1)).astimezone(local)
    need = needs.post_need(session, user("shelter@example.org"), org("Old Town Night Shelter"), NeedInput(
        "dairy", "refrigerated", 12.5, now + dt.timedelta(days=2), [(start, start + dt.timedelta(hours=2))],
        refrigerated_free_kg=40, people_expected=60), now)
    assert need.quantity_g == 12500 and need.refrigerated_free_g == 40000
    assert need.delivery_windows == [{"start": (now + dt.timedelta(days=1)).isoformat(),
                                      "end": (now + dt.timedelta(days=1, hours=2)).isoformat()}]
    assert need.delivery_windows[0]["start"].endswith("+00:00")
    event = session.scalar(select(AuditEvent).where(AuditEvent.entity == "need", AuditEvent.entity_id == need.id))
    assert event.action == "posted" and event.changes["kg"] == 12.5


@pytest.mark.parametrize("changes, field", [
    ({"kg": 0}, "kg"), ({"kg": -2}, "kg"), ({"kg": 10_000_000}, "kg"), ({"kg": float("nan")}, "kg"), ({"kg": None}, "kg"),
    ({"category": "caviar"}, "category"), ({"storage": "cryogenic"}, "storage"),
    ({"needed_by": "PAST"}, "needed_by"), ({"needed_by": None}, "needed_by"),
    ({"refrigerated_free_kg": -1}, "refrigerated_free_kg"), ({"frozen_free_kg": -0.5}, "frozen_free_kg"),
    ({"people_expected": -3}, "people_expected"),
    ({"delivery_windows": "REVERSED"}, "delivery_windows-0-end"), ({"delivery_windows": "OVER"}, "delivery_windows-0-end"),
])
def test_bad_need_input_is_refused_field_by_field_and_nothing_is_saved(session, user, org, now, changes, field):
    values = dict(category="bakery", storage="ambient", kg=10, needed_by=now + dt.timedelta(days=1),
                  delivery_windows=[], refrigerated_free_kg=0, frozen_free_kg=0, people_expected=0)
    values.update(changes)
    if values["needed_by"] == "PAST":
        values["needed_by"] = now - dt.timedelta(hours=1)
    if values["delivery_windows"] == "REVERSED":
        values["delivery_windows"] = [(now + dt.timedelta(hours=5), now + dt.timedelta(hours=3))]
    if values["delivery_windows"] == "OVER":
        values["delivery_windows"] = [(now - dt.timedelta(hours=5), now - dt.timedelta(hours=3))]
    before = _count(session)
    with pytest.raises(ValidationError) as error:
        needs.post_need(session, user("shelter@example.org"), org("Old Town Night Shelter"), NeedInput(**values), now)
    assert field in error.value.fields
    assert _count(session) == before


def test_only_a_recipients_people_or_the_backbone_post_its_needs(session, user, org, now):
    data = NeedInput("bakery", "ambient", 5, now + dt.timedelta(days=1))
    with pytest.raises(PermissionDenied):
        needs.post_need(session, user("foodbank@example.org"), org("Old Town Night Shelter"), data, now)
    with pytest.raises(PermissionDenied):
        needs.post_need(session, user("grocer@example.org"), org("Hawthorne Green Grocer"), data, now)
    assert needs.post_need(session, user("coordinator@example.org"), org("Old Town Night Shelter"), data, now).id


def test_a_cancelled_need_leaves_the_open_list_and_cannot_be_changed(session, user, org, now, shelter_need):
    need = needs.get_need(session, shelter_need)
    shelter = user("shelter@example.org")
    needs.cancel_need(session, shelter, need, now)
    assert need.status is NeedStatus.CANCELLED and need not in needs.list_open_needs(session)
    with pytest.raises(Conflict):
        needs.update_need(session, shelter, need, NeedInput("bakery", "ambient", 5, now + dt.timedelta(days=1)), now)


def test_the_suggested_delivery_window_falls_in_receiving_hours_on_a_quarter_hour(org):
    food_bank = org("Columbia Regional Food Bank")   # Monday to Friday 08:00-17:00
    saturday_night = dt.datetime(2026, 12, 5, 20, 7, tzinfo=ZONE)
    start, end = needs.suggest_delivery_window(food_bank, saturday_night, "America/Los_Angeles")
    assert start.astimezone(ZONE) == dt.datetime(2026, 12, 7, 8, 0, tzinfo=ZONE)   # Monday at opening
    assert end - start == dt.timedelta(hours=2)
    shelter = org("Old Town Night Shelter")          # every day 09:00-21:00
    start, end = needs.suggest_delivery_window(shelter, saturday_night, "America/Los_Angeles")
    assert start.astimezone(ZONE) == dt.datetime(2026, 12, 5, 20, 15, tzinfo=ZONE)
    assert end.astimezone(ZONE) == dt.datetime(2026, 12, 5, 21, 0, tzinfo=ZONE)


# --- the pages --------------------------------------------------------------

def test_a_shelter_posts_a_need_from_the_form_in_local_time(login_as, post_form, org, session, now):
    shelter_id = org("Old Town Night Shelter").id
    client = login_as("shelter")
    assert client.get("/needs/new").status_code == 200
    response = post_form("/needs/new", need_form(shelter_id, now, kg="40"))
    assert response.status_code == 302
    need = session.scalar(select(Need).where(Need.recipient_id == shelter_id).order_by(Need.id.desc()))
    assert need.quantity_g == 40000 and need.people_expected == 120 and need.refrigerated_free_g == 20000
    assert need.needed_by == (now + dt.timedelta(days=2)).replace(second=0)
    assert len(need.delivery_windows) == 1, "the blank second window is ignored"
    assert dt.datetime.fromisoformat(need.delivery_windows[0]["start"]) == (now + dt.timedelta(days=1)).replace(second=0)
    assert "40 kg bakery" in client.get("/needs/").get_data(as_text=True)


def test_a_need_with_a_past_date_is_a_422_beside_the_field_and_nothing_saved(login_as, post_form, org, session, now):
    shelter_id = org("Old Town Night Shelter").id
    before = _count(session)
    login_as("shelter")
    response = post_form("/needs/new", need_form(shelter_id, now, needed_by=local_input(now - dt.timedelta(days=1))))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert '<p class="error" id="needed_by-error">This date is in the past: give a date in the future.</p>' in html
    assert 'value="40"' in html, "the form keeps what was typed"
    assert _count(session) == before


@pytest.mark.parametrize("field, value, error_id", [
    ("kg", "0", "kg-error"), ("kg", "-4", "kg-error"), ("kg", "lots", "kg-error"),
    ("people_expected", "-1", "people_expected-error"), ("refrigerated_free_kg", "-5", "refrigerated_free_kg-error"),
])
def test_bad_amounts_on_the_need_form_are_422_beside_their_field(login_as, post_form, org, now, field, value, error_id):
    shelter_id = org("Old Town Night Shelter").id
    login_as("shelter")
    response = post_form("/needs/new", need_form(shelter_id, now, **{field: value}))
    assert response.status_code == 422
    assert f'id="{error_id}"' in response.get_data(as_text=True)


def test_a_reversed_delivery_window_is_named_beside_its_end(login_as, post_form, org, now):
    shelter_id = org("Old Town Night Shelter").id
    login_as("shelter")
    response = post_form("/needs/new", need_form(shelter_id, now, **{
        "delivery_windows-0-start": local_input(now + dt.timedelta(days=1, hours=3)),
        "delivery_windows-0-end": local_input(now + dt.timedelta(days=1))}))
    assert response.status_code == 422
    assert 'id="delivery_windows-0-end-error">The delivery window must end after it starts.' in response.get_data(as_text=True)


def test_a_recipient_cannot_post_a_need_for_another_organization(login_as, post_form, org, session, now):
    before = _count(session)
    login_as("foodbank")
    response = post_form("/needs/new", need_form(org("Old Town Night Shelter").id, now))
    assert response.status_code in (403, 422)
    assert _count(session) == before


def test_the_owner_edits_a_need_and_the_change_is_audited(login_as, post_form, org, session, now, shelter_need):
    client = login_as("shelter")
    html = client.get(f"/needs/{shelter_need}/edit").get_data(as_text=True)
    assert re.search(r'id="kg"[^>]*value="30(\.0)?"', html)
    response = post_form(f"/needs/{shelter_need}/edit", need_form(org("Old Town Night Shelter").id, now, kg="55"))
    assert response.status_code == 302
    need = session.get(Need, shelter_need)
    assert need.quantity_g == 55000
    event = session.scalar(select(AuditEvent).where(AuditEvent.entity == "need", AuditEvent.action == "updated",
                                                    AuditEvent.entity_id == shelter_need))
    assert event.changes["quantity_g"] == [30000, 55000]


def test_the_owner_cancels_a_need(login_as, post_form, session, shelter_need):
    login_as("shelter")
    assert post_form(f"/needs/{shelter_need}/cancel", {}).status_code == 302
    assert session.get(Need, shelter_need).status is NeedStatus.CANCELLED


def test_another_recipient_can_neither_see_nor_change_a_shelters_need(login_as, post_form, session, shelter_need):
    client = login_as("foodbank")
    assert client.get(f"/needs/{shelter_need}").status_code == 404
    assert client.get(f"/needs/{shelter_need}/edit").status_code == 404
    assert post_form(f"/needs/{shelter_need}/cancel", {}).status_code == 404
    assert session.get(Need, shelter_need).status is NeedStatus.OPEN
    assert f"/needs/{shelter_need}" not in client.get("/needs/").get_data(as_text=True)


def test_donors_and_the_backbone_see_open_needs_but_do_not_change_them(login_as, post_form, client, shelter_need):
    grocer = login_as("grocer")
    assert f"/needs/{shelter_need}" in grocer.get("/needs/").get_data(as_text=True)
    assert grocer.get(f"/needs/{shelter_need}").status_code == 200
    assert grocer.get(f"/needs/{shelter_need}/edit").status_code == 403
    assert "Post a need" not in grocer.get("/needs/").get_data(as_text=True)
    client.delete_cookie("session")
    backbone = login_as("coordinator")
    assert f"/needs/{shelter_need}" in backbone.get("/needs/").get_data(as_text=True)


@pytest.mark.parametrize("role", ["driver", "city"])
def test_drivers_and_the_city_have_no_needs_pages(login_as, role, shelter_need):
    client = login_as(role)
    assert client.get("/needs/").status_code == 403
    assert client.get(f"/needs/{shelter_need}").status_code == 403
