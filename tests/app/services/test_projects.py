"""Co-creation projects: partners, goals in the shared indicators, progress by partners, tasks and updates."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from coalition.errors import PermissionDenied, ValidationError
from coalition.models import Notification, NotificationKind, Project
from coalition.services import projects

FARM = "Sauvie Island Growers"
SHELTER = "Old Town Night Shelter"


@pytest.fixture
def garden(session, org, user, now):
    """A community garden of the farm and the shelter, started by the farm's admin, with a kg-grown goal."""
    project = projects.create_project(session, user("farmer@example.org"), "Old Town community garden",
                                      "Beds behind the shelter.", [org(FARM).id, org(SHELTER).id], now)
    projects.set_goal(session, user("farmer@example.org"), project, "kg_grown", 400)
    session.commit()
    return project


def test_a_project_needs_a_name_two_partners_and_its_creators_organization(session, org, user, now):
    farmer = user("farmer@example.org")
    with pytest.raises(ValidationError) as error:
        projects.create_project(session, farmer, "", "", [org(FARM).id], now)
    assert set(error.value.fields) == {"name", "partner_ids"}
    with pytest.raises(ValidationError) as error:
        projects.create_project(session, farmer, "Garden", "", [org(SHELTER).id, org("Rose Family Shelter").id], now)
    assert error.value.fields == {"partner_ids": "Include your own organization."}
    with pytest.raises(PermissionDenied):
        projects.create_project(session, user("driver@example.org"), "Garden", "", [org(FARM).id, org(SHELTER).id], now)


def test_partners_are_told_of_the_new_project(session, garden, user):
    note = session.scalar(select(Notification).where(Notification.user_id == user("shelter@example.org").id,
                                                     Notification.kind == NotificationKind.PROJECT))
    assert note.title == "New shared project: Old Town community garden" and (note.link_endpoint, note.link_args) == ("projects.detail", {"project_id": garden.id})


def test_progress_entered_by_partners_adds_up_towards_the_goal(session, garden, org, user, now):
    goal = garden.goals[0]
    projects.record_progress(session, user("farmer@example.org"), garden, goal.id, org(FARM).id, 120, "First harvest", now)
    projects.record_progress(session, user("shelter@example.org"), garden, goal.id, org(SHELTER).id, 80, "", now)
    assert (goal.achieved, goal.unit, goal.percent) == (200, "kg", 50.0)


def test_a_partner_enters_progress_only_for_its_own_organization_and_above_zero(session, garden, org, user, now):
    goal = garden.goals[0]
    with pytest.raises(ValidationError) as error:
        projects.record_progress(session, user("shelter@example.org"), garden, goal.id, org(FARM).id, -3, "", now)
    assert error.value.fields == {"organization_id": "You can only enter this for your own organization.",
                                  "value": "An amount above zero, in kg."}


def test_only_partners_and_the_backbone_see_or_work_on_a_project(session, garden, org, user, now):
    grocer = user("grocer@example.org")
    with pytest.raises(PermissionDenied):
        projects.post_update(session, grocer, garden, org("Hawthorne Green Grocer").id, "Hello", now)
    assert garden not in projects.list_projects(session, grocer)
    assert garden in projects.list_projects(session, user("coordinator@example.org"))
    assert garden in projects.list_projects(session, user("shelter@example.org"))


def test_tasks_and_updates_make_a_timeline(session, garden, org, user, now):
    task = projects.add_task(session, user("farmer@example.org"), garden, "Build raised beds", org(SHELTER).id,
                             now.date() + dt.timedelta(days=7), now)
    projects.complete_task(session, user("shelter@example.org"), garden, task.id, now)
    projects.post_update(session, user("shelter@example.org"), garden, org(SHELTER).id, "Beds are built!", now)
    projects.post_update(session, user("farmer@example.org"), garden, org(FARM).id, "Seedlings arrive Monday",
                         now + dt.timedelta(hours=1))
    session.flush()
    session.expire(garden)
    assert task.done_at == now
    assert [u.body for u in garden.updates] == ["Seedlings arrive Monday", "Beds are built!"]
    with pytest.raises(ValidationError):
        projects.add_task(session, user("farmer@example.org"), garden, "Elsewhere", org("Hawthorne Green Grocer").id,
                          None, now)


def test_project_pages_for_partners_404_for_others(client, login_as, garden, session):
    project_id = garden.id
    login_as("grocer")
    assert client.get(f"/projects/{project_id}").status_code == 404
    client.delete_cookie("session")
    login_as("shelter")
    page = client.get(f"/projects/{project_id}").get_data(as_text=True)
    assert "Old Town community garden" in page and "0 of 400 kg" in page


def test_bad_progress_is_shown_beside_the_field(client, login_as, post_form, garden, org):
    project_id, goal_id = garden.id, garden.goals[0].id
    shelter_id = org(SHELTER).id
    login_as("shelter")
    url = f"/projects/{project_id}"
    response = post_form(f"{url}/goals/{goal_id}/progress", {"value": "0", "organization_id": shelter_id}, token_page=url)
    assert response.status_code == 422
    assert f'id="value-{goal_id}-error">An amount above zero, in kg.' in response.get_data(as_text=True)
    assert post_form(f"{url}/goals/{goal_id}/progress", {"value": "25", "organization_id": shelter_id},
                     token_page=url).status_code == 302
    assert "25 of 400 kg" in client.get(url).get_data(as_text=True)


def test_starting_a_project_from_the_page(client, login_as, post_form, session, org):
    login_as("farmer")
    url = "/projects/new"
    bad = post_form(url, {"name": "Gleaning day", "partner_ids": [org(FARM).id]}, token_page=url)
    assert bad.status_code == 422 and 'id="partner_ids-error"' in bad.get_data(as_text=True)
    assert post_form(url, {"name": "Gleaning day", "partner_ids": [org(FARM).id, org(SHELTER).id]},
                     token_page=url).status_code == 302
    assert session.scalar(select(Project).where(Project.name == "Gleaning day")) is not None
