"""Co-creation projects: partners working together (a community garden with a farm and a shelter),
with goals in the shared indicators, progress entered by the partners, tasks and a timeline of updates.
"""
from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coalition import permissions
from coalition.errors import NotFound, PermissionDenied, ValidationError
from coalition.models import (
    NotificationKind,
    Organization,
    OrganizationKind,
    Project,
    ProjectGoal,
    ProjectIndicator,
    ProjectPartner,
    ProjectProgress,
    ProjectTask,
    ProjectUpdate,
    User,
)
from coalition.services import communication
from coalition.services.communication import clean_text
from coalition.services.notifications import Page


def create_project(session: Session, actor: User, name: str, description: str, partner_ids: list[int],
                   now: dt.datetime) -> Project:
    """Start a project with at least two partner organizations; a partner's person must include their own.

    Raises ValidationError for a missing or taken name, fewer than two partners or unknown ones.
    """
    if not permissions.can_create_project(actor):
        raise PermissionDenied("Only partners and the backbone start projects.")
    errors: dict[str, str] = {}
    name = clean_text(name, "name", 200, errors, required=True)
    description = clean_text(description, "description", 20_000, errors)
    if name and session.scalar(select(Project.id).where(func.lower(Project.name) == name.lower())):
        errors["name"] = "Another project already has this name."
    ids = list(dict.fromkeys(partner_ids or []))
    partners = list(session.scalars(select(Organization).where(
        Organization.id.in_(ids), Organization.active.is_(True), Organization.kind != OrganizationKind.BACKBONE)))
    if len(partners) != len(ids):
        errors["partner_ids"] = "Choose active partner organizations."
    elif len(partners) < 2:
        errors["partner_ids"] = "A shared project needs at least two partners."
    elif not permissions.is_backbone_staff(actor) and not {o.id for o in permissions.acting_organizations(actor)} & set(ids):
        errors["partner_ids"] = "Include your own organization."
    if errors:
        raise ValidationError("Please correct the highlighted fields.", errors)
    project = Project(name=name, description=description, created_by_id=actor.id, created_at=now)
    project.partners = [ProjectPartner(organization_id=o.id) for o in partners]
    session.add(project)
    session.flush()
    for organization in partners:
        communication.notify_organization(session, organization, NotificationKind.PROJECT,
                                          f"New shared project: {name}", description[:300], Page("projects.detail", {"project_id": project.id}), now)
    return project


def get_project(session: Session, project_id: int) -> Project:
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound("There is no such project.")
    return project


def list_projects(session: Session, actor: User) -> list[Project]:
    """The projects this person may see: all for the backbone, else those of the organizations they act for."""
    query = select(Project).order_by(Project.created_at.desc(), Project.id.desc())
    if not permissions.is_backbone_staff(actor):
        mine = [o.id for o in permissions.acting_organizations(actor)]
        query = query.where(Project.id.in_(select(ProjectPartner.project_id).where(ProjectPartner.organization_id.in_(mine))))
    return list(session.scalars(query))


def _require_contributor(actor: User, project: Project) -> None:
    if not permissions.can_contribute_to_project(actor, project):
        raise PermissionDenied("Only the project's partners and the backbone work on it.")


def _acting_partner(actor: User, project: Project, organization_id: int | None, errors: dict,
                    field: str = "organization_id") -> int | None:
    """The partner the actor acts for in this project (the backbone may act for any partner)."""
    if organization_id not in project.partner_ids:
        errors[field] = "Choose one of the project's partners."
        return None
    if not permissions.is_backbone_staff(actor) and organization_id not in {o.id for o in permissions.acting_organizations(actor)}:
        errors[field] = "You can only enter this for your own organization."
        return None
    return organization_id


def set_goal(session: Session, actor: User, project: Project, indicator: str | None, target_value: float | None) -> ProjectGoal:
    """Add a goal in a shared indicator, or change its target."""
    _require_contributor(actor, project)
    errors: dict[str, str] = {}
    try:
        kind = ProjectIndicator(indicator)
    except ValueError:
        errors["indicator"] = "Choose an indicator."
        kind = None
    if target_value is None or not math.isfinite(target_value) or not 0 < target_value <= 1e9:
        errors["target_value"] = "A target above zero."
    if errors:
        raise ValidationError("Please correct the highlighted fields.", errors)
    goal = next((g for g in project.goals if g.indicator is kind), None)
    if goal is None:
        goal = ProjectGoal(indicator=kind, target_value=target_value)
        project.goals.append(goal)
    goal.target_value = target_value
    session.flush()
    return goal


def record_progress(session: Session, actor: User, project: Project, goal_id: int, organization_id: int | None,
                    value: float | None, note: str, now: dt.datetime) -> ProjectProgress:
    """A partner enters progress towards a goal (in the goal's unit)."""
    _require_contributor(actor, project)
    goal = next((g for g in project.goals if g.id == goal_id), None)
    if goal is None:
        raise NotFound("This project has no such goal.")
    errors: dict[str, str] = {}
    organization_id = _acting_partner(actor, project, organization_id, errors)
    if value is None or not math.isfinite(value) or not 0 < value <= 1e9:
        errors["value"] = f"An amount above zero, in {goal.unit}."
    note = clean_text(note, "note", 300, errors)
    if errors:
        raise ValidationError("Please correct the highlighted fields.", errors)
    entry = ProjectProgress(goal=goal, organization_id=organization_id, value=value, note=note, entered_by_id=actor.id,
                            entered_at=now)
    session.add(entry)
    session.flush()
    return entry


def add_task(session: Session, actor: User, project: Project, title: str, organization_id: int | None,
             due_on: dt.date | None, now: dt.datetime) -> ProjectTask:
    """Give a partner a task (with an optional due date); its people are notified."""
    _require_contributor(actor, project)
    errors: dict[str, str] = {}
    title = clean_text(title, "title", 300, errors, required=True)
    if organization_id not in project.partner_ids:
        errors["organization_id"] = "Choose one of the project's partners."
    if errors:
        raise ValidationError("Please correct the highlighted fields.", errors)
    task = ProjectTask(title=title, organization_id=organization_id, due_on=due_on, created_at=now)
    project.tasks.append(task)
    session.flush()
    communication.notify_organization(
        session, session.get(Organization, organization_id), NotificationKind.PROJECT, f"{project.name}: {title}",
        f"A task for you{f', due {due_on:%a %d %b %Y}' if due_on else ''}.", Page("projects.detail", {"project_id": project.id}), now)
    return task


def complete_task(session: Session, actor: User, project: Project, task_id: int, now: dt.datetime) -> ProjectTask:
    _require_contributor(actor, project)
    task = next((t for t in project.tasks if t.id == task_id), None)
    if task is None:
        raise NotFound("This project has no such task.")
    if task.done_at is None:
        task.done_at = now
        session.flush()
    return task


def post_update(session: Session, actor: User, project: Project, organization_id: int | None, body: str,
                now: dt.datetime) -> ProjectUpdate:
    """Add an entry to the project's timeline, signed by the partner the author acts for."""
    _require_contributor(actor, project)
    errors: dict[str, str] = {}
    body = clean_text(body, "body", 5_000, errors, required=True)
    if organization_id is not None or not permissions.is_backbone_staff(actor):
        organization_id = _acting_partner(actor, project, organization_id, errors)
    if errors:
        raise ValidationError("Please correct the highlighted fields.", errors)
    update = ProjectUpdate(organization_id=organization_id, author_id=actor.id, body=body, created_at=now)
    project.updates.append(update)
    session.flush()
    return update
