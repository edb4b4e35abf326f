"""The write boundary: success commits, a rule error rolls back and is shown, an access error is never a form error."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField

from coalition.blueprints import transaction
from coalition.errors import Conflict, InvalidCredentials, NotFound, PermissionDenied, ValidationError
from coalition.extensions import db
from coalition.models import Organization, OrganizationKind

from tests.fixtures.web import csrf_token_from



class NameForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField()


def _add(name: str) -> None:
    db.session.add(Organization(kind=OrganizationKind.FOOD_BANK, name=name))
    db.session.flush()


def _kept(name: str) -> bool:
    """Whether ``name`` survived: a rollback after the boundary undoes only what it did not commit."""
    db.session.rollback()
    return db.session.scalar(select(Organization).where(Organization.name == name)) is not None


def test_write_commits_the_work_on_success(app):
    with app.test_request_context(method="POST"):
        with transaction.write() as outcome:
            _add("Boundary Pantry")
        assert not outcome.failed and outcome.status == 200
        assert _kept("Boundary Pantry")


def test_a_rule_error_rolls_back_and_lands_beside_its_field(app):
    with app.test_request_context(method="POST", data={"name": "x"}):
        form = NameForm()
        with transaction.write(form) as outcome:
            _add("Half Saved Pantry")
            raise ValidationError("Please correct the highlighted fields.", {"name": "Too short."})
        assert outcome.status == 422
        assert form.name.errors == ["Too short."]
        assert not _kept("Half Saved Pantry")


def test_a_conflict_can_be_flashed_instead(app):
    with app.test_request_context(method="POST"):
        from flask import get_flashed_messages

        with transaction.write(flash_error=True) as outcome:
            _add("Conflicted Pantry")
            raise Conflict("Already claimed.")
        assert outcome.status == 409
        assert get_flashed_messages(with_categories=True) == [("error", "Already claimed.")]
        assert not _kept("Conflicted Pantry")


@pytest.mark.parametrize("error", [PermissionDenied("Not yours."), NotFound("No such thing.")])
def test_an_access_error_is_rolled_back_and_re_raised_never_shown_on_the_form(app, error):
    with app.test_request_context(method="POST", data={"name": "x"}):
        form = NameForm()
        with pytest.raises(type(error)):
            with transaction.write(form):
                _add("Forbidden Pantry")
                raise error
        assert form.errors == {} and form.form_errors == []
        assert not _kept("Forbidden Pantry")


def test_keep_on_commits_the_work_before_showing_the_error(app):
    with app.test_request_context(method="POST", data={"name": "x"}):
        form = NameForm()
        with transaction.write(form, keep_on=(InvalidCredentials,)) as outcome:
            _add("Recorded Failure")
            raise InvalidCredentials("That e-mail and password do not match.")
        assert outcome.status == 401 and form.form_errors == ["That e-mail and password do not match."]
        assert _kept("Recorded Failure")


def test_committed_renames_a_rule_errors_fields_and_rolls_back(app):
    with app.test_request_context(method="POST"):
        with pytest.raises(ValidationError) as raised:
            with transaction.committed({"pickup_start": "pickup_window.start"}):
                _add("Renamed Pantry")
                raise ValidationError("Bad window.", {"pickup_start": "In the past.", "notes": "Too long."})
        assert raised.value.fields == {"pickup_window.start": "In the past.", "notes": "Too long."}
        assert not _kept("Renamed Pantry")


def test_commits_makes_a_whole_view_one_unit_of_work(app):
    @transaction.commits
    def view(name, fail=False):
        _add(name)
        if fail:
            raise RuntimeError("a bug")
        return "done"

    with app.test_request_context(method="POST"):
        assert view("Whole View Pantry") == "done"
        assert _kept("Whole View Pantry")
        with pytest.raises(RuntimeError):
            view("Broken View Pantry", fail=True)
        assert not _kept("Broken View Pantry")


def test_a_json_rule_error_answers_its_status_with_fields(login_as, client):
    """Through the API: a rule error is 422 ``{"error", "fields"}`` with the API's field names."""
    login_as("grocer")
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    response = client.post("/api/v1/donations", headers={"X-CSRFToken": token}, json={"pickup_window": {"start": "2099-05-01T18:00:00-07:00", "end": "2099-05-01T17:00:00-07:00"},
                                 "lines": [{"category": "bakery", "description": "bread", "kg": 5, "storage": "ambient",
                                            "use_by": "2099-05-02T12:00:00-07:00"}]})
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] and any(name.startswith("pickup_window.") for name in body["fields"])


def test_an_access_error_in_a_page_write_is_the_403_page_not_a_form_error(login_as, post_form, org, now, monkeypatch):
    """A service that refuses access inside a form's write answers the friendly 403 page, with nothing saved."""
    from coalition.services import needs

    def refuse(*args, **kwargs):
        _add("Sneaky Pantry")
        raise PermissionDenied("You cannot post needs for this organization.")

    monkeypatch.setattr(needs, "post_need", refuse)
    login_as("shelter")
    day = (now + dt.timedelta(days=2)).astimezone(ZoneInfo("America/Los_Angeles")).strftime("%Y-%m-%dT%H:%M")
    response = post_form("/needs/new", {"recipient_id": str(org("Old Town Night Shelter").id), "category": "bakery",
                                        "storage": "ambient", "kg": "40", "needed_by": day})
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert 'name="kg"' not in html, "the error page, not the form re-rendered with a form error"
    assert not _kept("Sneaky Pantry")
