"""Feedback: recipients rate deliveries, drivers and recipients flag pickup problems, the backbone sees repeats."""
from __future__ import annotations

import datetime as dt

import pytest

from coalition.errors import NotFound, PermissionDenied, ValidationError
from coalition.models import DriverShift, PlanStatus, Route, RoutePlan, Stop, StopKind, StopStatus
from coalition.models.feedback import DeliveryRating, PickupProblem
from coalition.models.route_plan import ProblemKind
from coalition.services import claims as claim_service
from coalition.services import feedback
from tests.fixtures.coordination import deliver, relogin


@pytest.fixture
def claim(session, make_donation, org, user, now, window):
    donation = make_donation(kg=10)
    return claim_service.claim_line(session, user("foodbank@example.org"), donation.lines[0].id,
                                    org("Columbia Regional Food Bank"), 10, *window, now)


def _driven_pickup(session, org, user, claim, now, driver="driver@example.org", status=StopStatus.DONE, problem=None):
    """A published route on which ``driver`` did the pickup of ``claim``."""
    shift = DriverShift(driver=user(driver), organization=org("Feeding Our City Backbone"), local_date=now.date(),
                        start_at=now, end_at=now + dt.timedelta(hours=4), capacity_g=100_000)
    plan = RoutePlan(local_date=now.date(), status=PlanStatus.PUBLISHED)
    route = Route(plan=plan, shift=shift, driver=user(driver))
    donor = claim.line.donation.donor
    stop = Stop(route=route, position=0, kind=StopKind.PICKUP, claim=claim, organization=donor, latitude=45.5,
                longitude=-122.6, arrival_at=now, service_start_at=now, departure_at=now, status=status,
                problem_kind=problem, completed_at=now)
    session.add_all([shift, plan, route, stop])
    session.flush()
    return stop


def test_the_recipient_rates_a_delivery_and_can_change_it(session, org, user, now):
    record = deliver(session, org, 10, when=now - dt.timedelta(days=1))
    feedback.rate_delivery(session, user("foodbank@example.org"), record.id, 2, "warm dairy", now)
    rating = feedback.rate_delivery(session, user("foodbank@example.org"), record.id, 4, "", now)
    assert session.query(DeliveryRating).filter_by(delivery_id=record.id).count() == 1
    assert (rating.rating, rating.donor_id) == (4, org("Hawthorne Green Grocer").id)


@pytest.mark.parametrize("rating", [0, 6, "5", True, None])
def test_a_rating_outside_one_to_five_is_refused(session, org, user, now, rating):
    record = deliver(session, org, 10, when=now)
    with pytest.raises(ValidationError) as caught:
        feedback.rate_delivery(session, user("foodbank@example.org"), record.id, rating, "", now)
    assert "rating" in caught.value.fields


def test_another_organization_cannot_rate_a_delivery_it_did_not_receive(session, org, user, now):
    record = deliver(session, org, 10, when=now)
    for email in ("shelter@example.org", "grocer@example.org", "backbone@example.org"):
        with pytest.raises(NotFound):
            feedback.rate_delivery(session, user(email), record.id, 3, "", now)
    with pytest.raises(NotFound):
        feedback.rate_delivery(session, user("foodbank@example.org"), 2**40, 3, "", now)


def test_the_claiming_recipient_flags_a_problem_with_the_donor(session, claim, user, now):
    problem = feedback.flag_pickup_problem(session, user("foodbank@example.org"), claim.id, "unsafe_temperature", "", now)
    assert problem.donor_id == claim.line.donation.donor_id and problem.stop_id is None


def test_the_driver_who_did_the_pickup_flags_it_with_the_stop_and_other_drivers_cannot(session, claim, org, user, now):
    stop = _driven_pickup(session, org, user, claim, now)
    problem = feedback.flag_pickup_problem(session, user("driver@example.org"), claim.id, "poor_packaging", "boxes wet", now)
    assert problem.stop_id == stop.id
    for email in ("driver1@example.org", "shelter@example.org", "grocer@example.org"):
        with pytest.raises(NotFound):
            feedback.flag_pickup_problem(session, user(email), claim.id, "not_ready", "", now)


def test_a_problem_needs_a_known_issue_and_something_else_needs_a_note(session, claim, user, now):
    with pytest.raises(ValidationError):
        feedback.flag_pickup_problem(session, user("foodbank@example.org"), claim.id, "aliens", "", now)
    with pytest.raises(ValidationError) as caught:
        feedback.flag_pickup_problem(session, user("foodbank@example.org"), claim.id, "other", "  ", now)
    assert "note" in caught.value.fields
    assert session.query(PickupProblem).count() == 0


def test_donors_and_sites_with_two_problems_in_30_days_are_listed(session, claim, org, user, now):
    backbone = user("backbone@example.org")
    feedback.flag_pickup_problem(session, user("foodbank@example.org"), claim.id, "not_ready", "", now - dt.timedelta(days=3))
    first = feedback.repeated_problems(session, backbone, now)
    assert "Hawthorne Green Grocer" not in [r.organization.name for r in first.donors]
    _driven_pickup(session, org, user, claim, now, status=StopStatus.PROBLEM, problem=ProblemKind.NOT_READY)
    poor = deliver(session, org, 5, donor="Sauvie Island Growers", recipient="Old Town Night Shelter", when=now)
    feedback.rate_delivery(session, user("shelter@example.org"), poor.id, 1, "mouldy", now)
    old = deliver(session, org, 5, donor="Sauvie Island Growers", recipient="Old Town Night Shelter", when=now)
    feedback.rate_delivery(session, user("shelter@example.org"), old.id, 2, "", now - dt.timedelta(days=45))
    report = feedback.repeated_problems(session, backbone, now)
    grocer = next(r for r in report.donors if r.organization.name == "Hawthorne Green Grocer")
    assert (grocer.pickup_flags, grocer.stop_problems, grocer.total) == (1, 1, 2)
    assert "Sauvie Island Growers" not in [r.organization.name for r in report.donors]   # one poor rating in 30 days
    assert report.sites == []


def test_only_the_backbone_sees_repeated_problems(session, user, now):
    with pytest.raises(PermissionDenied):
        feedback.repeated_problems(session, user("grocer@example.org"), now)


def test_pages_show_each_organization_only_its_own_feedback(client, login_as, post_form, session, org, user, now):
    own = deliver(session, org, 10, when=now - dt.timedelta(hours=2))
    other = deliver(session, org, 3, "dairy", donor="Sauvie Island Growers", recipient="Old Town Night Shelter", when=now)
    feedback.rate_delivery(session, user("shelter@example.org"), other.id, 1, "shelter-secret-note", now)
    own_id = own.id
    session.commit()
    login_as("foodbank")
    page = client.get("/feedback/").get_data(as_text=True)
    assert f'name="delivery_id" value="{own_id}"' in page and "shelter-secret-note" not in page
    response = post_form("/feedback/ratings", {"delivery_id": own_id, "rating": "2", "note": "bread-was-crushed"}, "/feedback/")
    assert response.status_code == 302
    grocer_page = relogin(client, login_as, "grocer").get("/feedback/").get_data(as_text=True)
    assert "bread-was-crushed" in grocer_page and "shelter-secret-note" not in grocer_page
    backbone = relogin(client, login_as, "backbone")
    assert backbone.get("/feedback/repeated").status_code == 200


def test_a_bad_rating_on_the_page_is_a_422_beside_its_field(client, login_as, post_form, session, org, now):
    record_id = deliver(session, org, 10, when=now).id
    session.commit()
    login_as("foodbank")
    response = post_form("/feedback/ratings", {"delivery_id": record_id, "rating": "9"}, "/feedback/")
    assert response.status_code == 422
    assert f'id="rating-d{record_id}-error"' in response.get_data(as_text=True)
    response = post_form("/feedback/ratings", {"delivery_id": 2**40, "rating": "3"}, "/feedback/")
    assert response.status_code == 404
