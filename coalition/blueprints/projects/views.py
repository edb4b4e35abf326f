from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from coalition import permissions
from coalition.blueprints import transaction
from coalition.blueprints.projects import bp
from coalition.blueprints.projects.forms import GoalForm, ProgressForm, ProjectForm, TaskForm, UpdateForm
from coalition.errors import NotFound
from coalition.extensions import db
from coalition.models import OrganizationKind, Project
from coalition.models.base import utcnow
from coalition.permissions import authorize, requires
from coalition.services import organizations, projects


@bp.route("/")
@requires(permissions.can_create_project)
def index():
    return render_template("projects/index.html", projects=projects.list_projects(db.session, current_user))


@bp.route("/new", methods=["GET", "POST"])
@requires(permissions.can_create_project)
def create():
    form = ProjectForm()
    form.partner_ids.choices = [SelectChoice(o.id, f"{o.name} ({o.kind.label})")
                                for o in organizations.list_organizations(db.session) if o.kind is not OrganizationKind.BACKBONE]
    if not form.is_submitted():
        form.partner_ids.data = [o.id for o in permissions.acting_organizations(current_user)
                                 if o.kind is not OrganizationKind.BACKBONE]
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        with transaction.write(form) as outcome:
            project = projects.create_project(db.session, current_user, form.name.data, form.description.data,
                                              form.partner_ids.data or [], utcnow())
        if not outcome.failed:
            return redirect(url_for("projects.detail", project_id=project.id))
        status = outcome.status
    return render_template("projects/form.html", form=form), status


def _load(project_id: int) -> Project:
    project = projects.get_project(db.session, project_id)
    if not permissions.can_view_project(current_user, project):
        raise NotFound("There is no such project.")
    return project


def _partner_choices(project: Project) -> list[SelectChoice]:
    """The partners the person may act for here (all of them for the backbone)."""
    mine = {o.id for o in permissions.acting_organizations(current_user)}
    backbone = permissions.is_backbone_staff(current_user)
    return [SelectChoice(p.organization_id, p.organization.name) for p in project.partners
            if backbone or p.organization_id in mine]


def _page(project: Project, status: int = 200, **forms):
    goal = forms.get("goal") or GoalForm()
    progress = forms.get("progress") or ProgressForm()
    task = forms.get("task") or TaskForm()
    update = forms.get("update") or UpdateForm()
    progress.organization_id.choices = update.organization_id.choices = _partner_choices(project)
    task.organization_id.choices = [SelectChoice(p.organization_id, p.organization.name) for p in project.partners]
    return render_template("projects/detail.html", project=project, goal_form=goal, progress_form=progress,
                           task_form=task, update_form=update, failed_goal=forms.get("goal_id")), status


@bp.route("/<int:project_id>")
@requires(permissions.can_create_project)
def detail(project_id: int):
    return _page(_load(project_id))


def _submit(project: Project, form, name: str, action, success: str, **page_args):
    """Validate a form of the project page, run one service call through the write boundary and come back
    (or show the errors beside the form)."""
    authorize(permissions.can_contribute_to_project(current_user, project))
    if name != "goal":
        choices = _partner_choices(project) if name != "task" else [
            SelectChoice(p.organization_id, p.organization.name) for p in project.partners]
        form.organization_id.choices = choices
    if not form.validate_on_submit():
        return _page(project, 422, **{name: form}, **page_args)
    with transaction.write(form) as outcome:
        action()
    if outcome.failed:
        return _page(project, outcome.status, **{name: form}, **page_args)
    flash(success, "success")
    return redirect(url_for("projects.detail", project_id=project.id))


@bp.route("/<int:project_id>/goals", methods=["POST"])
@requires(permissions.can_create_project)
def add_goal(project_id: int):
    project = _load(project_id)
    form = GoalForm()
    return _submit(project, form, "goal", lambda: projects.set_goal(
        db.session, current_user, project, form.indicator.data, form.target_value.data), "Goal saved.")


@bp.route("/<int:project_id>/goals/<int:goal_id>/progress", methods=["POST"])
@requires(permissions.can_create_project)
def add_progress(project_id: int, goal_id: int):
    project = _load(project_id)
    form = ProgressForm()
    return _submit(project, form, "progress", lambda: projects.record_progress(
        db.session, current_user, project, goal_id, form.organization_id.data, form.value.data, form.note.data,
        utcnow()), "Progress recorded.", goal_id=goal_id)


@bp.route("/<int:project_id>/tasks", methods=["POST"])
@requires(permissions.can_create_project)
def add_task(project_id: int):
    project = _load(project_id)
    form = TaskForm()
    return _submit(project, form, "task", lambda: projects.add_task(
        db.session, current_user, project, form.title.data, form.organization_id.data, form.due_on.data, utcnow()),
        "Task added.")


@bp.route("/<int:project_id>/tasks/<int:task_id>/done", methods=["POST"])
@requires(permissions.can_create_project)
def complete_task(project_id: int, task_id: int):
    project = _load(project_id)
    with transaction.committed():
        projects.complete_task(db.session, current_user, project, task_id, utcnow())
    flash("Task done.", "success")
    return redirect(url_for("projects.detail", project_id=project.id))


@bp.route("/<int:project_id>/updates", methods=["POST"])
@requires(permissions.can_create_project)
def add_update(project_id: int):
    project = _load(project_id)
    form = UpdateForm()
    return _submit(project, form, "update", lambda: projects.post_update(
        db.session, current_user, project, form.organization_id.data, form.body.data, utcnow()), "Update posted.")
