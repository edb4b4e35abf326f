"""Access rules of co-creation projects: a project of the grocer's store and the shelter."""
import datetime as dt

from sqlalchemy import select

from tests.app.pages.route_rules import BACKBONE_STAFF, DONOR_PEOPLE, SIGNED_IN

PARTNER_PEOPLE = SIGNED_IN - {"driver"}
PROJECT_PEOPLE = DONOR_PEOPLE | {"shelter"} | BACKBONE_STAFF

RULES = {
    "projects.index": ("GET", "/projects/", PARTNER_PEOPLE, {200}),
    "projects.create": ("GET", "/projects/new", PARTNER_PEOPLE, {200}),
    "projects.detail": ("GET", "/projects/{project}", PROJECT_PEOPLE, {200}),
    # Empty POSTs: refused as incomplete, so the walk adds nothing.
    "projects.add_goal": ("POST", "/projects/{project}/goals", PROJECT_PEOPLE, {422}),
    "projects.add_progress": ("POST", "/projects/{project}/goals/{project_goal}/progress", PROJECT_PEOPLE, {422}),
    "projects.add_task": ("POST", "/projects/{project}/tasks", PROJECT_PEOPLE, {422}),
    "projects.complete_task": ("POST", "/projects/{project}/tasks/{project_task}/done", PROJECT_PEOPLE, {302}),
    "projects.add_update": ("POST", "/projects/{project}/updates", PROJECT_PEOPLE, {422}),
}


def build_values(session, values) -> dict[str, int]:
    from coalition.models import Organization, User
    from coalition.services import projects

    now = dt.datetime.now(dt.timezone.utc)
    backbone = session.scalar(select(User).where(User.email == "backbone@example.org"))
    shelter = session.scalar(select(Organization).where(Organization.name == "Old Town Night Shelter"))
    project = projects.create_project(session, backbone, f"Walk garden {now.timestamp()}", "", [values["org"], shelter.id], now)
    goal = projects.set_goal(session, backbone, project, "kg_grown", 500)
    task = projects.add_task(session, backbone, project, "Dig beds", values["org"], None, now)
    session.commit()
    return {"project": project.id, "project_goal": goal.id, "project_task": task.id}
