""""Problem with this pickup" from the route screen: "nobody there" and "food not ready" offer the backbone a
one-click re-plan of the rest of the day on the dispatch board; "unsafe" refuses the line like a warm reading."""
from __future__ import annotations

import re
import uuid
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from coalition import jobs
from coalition.models import DeliveryRecord, Notification, ProblemKind, RoutePlan, Stop, StopStatus
from coalition.models.route_plan import PlanStatus
from tests.fixtures import driving as f
from tests.fixtures.web import csrf_token_from


@pytest.fixture
def route(session, now):
    claim = f.make_claim(session, now, kg=10, description="Crate of yogurt", storage="refrigerated", category="dairy")
    route = f.make_route(session, now, claims=[claim])
    session.commit()
    return SimpleNamespace(id=route.id, plan_id=route.plan_id, claim_id=claim.id, stops=[s.id for s in route.stops])


def flag(client, stop_id, issue):
    token = csrf_token_from(client.get("/driver/").get_data(as_text=True))
    return client.post("/driver/actions", json={
        "client_action_id": uuid.uuid4().hex, "stop_id": stop_id, "action": "flag", "performed_at": None,
        "payload": {"issue": issue}}, headers={"X-CSRFToken": token, "Accept": "application/json"})


@pytest.mark.parametrize("issue", ["nobody_there", "not_ready"])
def test_nobody_there_or_not_ready_offers_the_backbone_a_one_click_replan(login_as, client, session, now, route,
                                                                          issue, monkeypatch):
    assert flag(login_as("driver"), route.stops[0], issue).status_code == 200
    assert session.get(Stop, route.stops[0]).status is StopStatus.PENDING        # the driver may still pick up
    told = [n for n in session.scalars(select(Notification)) if n.title.startswith("Pickup problem")]
    assert told and all("Re-plan the rest of the day from the dispatch board." in n.body for n in told)
    assert {n.link_endpoint for n in told} == {"driver.board"}

    client.delete_cookie("session")
    started = []
    monkeypatch.setattr(jobs, "start_plan_job", started.append)     # the solve itself is the planner's own tests'
    page = login_as("coordinator").get("/driver/board").get_data(as_text=True)
    assert 'id="replan-heading"' in page and "Hawthorne Green Grocer" in page
    form = re.search(r'<form method="post" action="/planning/replan">(.*?)</form>', page, re.S)
    assert form and f'name="date" value="{f.local_today(now).isoformat()}"' in form.group(1)
    answer = client.post("/planning/replan", data={"csrf_token": csrf_token_from(page), "date": f.local_today(now).isoformat()})
    assert answer.status_code == 302
    new = session.scalars(select(RoutePlan).where(RoutePlan.based_on_id == route.plan_id)).one()
    assert new.status is PlanStatus.SOLVING and [p.id for p in started] == [new.id]
    assert answer.headers["Location"].endswith(f"/planning/plans/{new.id}")


def test_other_flags_offer_no_replan(login_as, client, session, route):
    assert flag(login_as("driver"), route.stops[0], "wrong_amount").status_code == 200
    assert all("Re-plan" not in n.body for n in session.scalars(select(Notification)))
    client.delete_cookie("session")
    assert 'id="replan-heading"' not in login_as("coordinator").get("/driver/board").get_data(as_text=True)


def test_unsafe_refuses_the_line_like_a_warm_reading(login_as, session, route):
    assert flag(login_as("driver"), route.stops[0], "rude_or_unsafe").status_code == 200
    pickup, delivery = (session.get(Stop, i) for i in route.stops)
    assert (pickup.status, pickup.problem_kind) == (StopStatus.PROBLEM, ProblemKind.REFUSED)
    assert pickup.note.startswith("Refused at pickup: unsafe")
    assert delivery.status is StopStatus.PROBLEM                     # its drop-off left the route
    record = session.scalar(select(DeliveryRecord).where(DeliveryRecord.claim_id == route.claim_id))
    assert (record.outcome, record.loss_reason, record.quantity_g) == ("refused", "other", 10_000)
    titles = [n.title for n in session.scalars(select(Notification))]
    assert "Not coming: 10 kg Crate of yogurt refused at Hawthorne Green Grocer" in titles


def test_unsafe_after_the_pickup_only_flags_the_donor(login_as, session, route):
    client = login_as("driver")
    token = csrf_token_from(client.get("/driver/").get_data(as_text=True))
    client.post("/driver/actions", json={"client_action_id": uuid.uuid4().hex, "stop_id": route.stops[0],
                                         "action": "picked_up", "performed_at": None,
                                         "payload": {"kg": "10", "temperature": "3"}},
                headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert flag(client, route.stops[0], "rude_or_unsafe").status_code == 200
    assert session.get(Stop, route.stops[0]).status is StopStatus.DONE
    assert session.scalar(select(DeliveryRecord).where(DeliveryRecord.claim_id == route.claim_id)) is None
