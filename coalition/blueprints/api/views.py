"""The caller and the coalition's organizations, as JSON."""
from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from coalition import permissions
from coalition.blueprints.api import bp
from coalition.blueprints.api.common import ID, V1, check_id
from coalition.blueprints.viewer_places import viewer_places
from coalition.extensions import db
from coalition.models import Organization
from coalition.permissions import login_required
from coalition.services import organizations, units


def organization_json(organization: Organization) -> dict:
    """An organization for the caller: a confidential site's place is its public one unless they may see it."""
    site = viewer_places()(organization)
    return {
        "id": organization.id,
        "kind": organization.kind.value,
        "name": site.name,
        "address": site.address,
        "latitude": site.latitude,
        "longitude": site.longitude,
        "location_exact": site.exact,
        "neighborhood": site.neighborhood or None,
        "phone": organization.phone,
        "hours": organization.hours or {},
        "refrigerated_capacity_kg": organization.refrigerated_capacity_kg,
        "frozen_capacity_kg": organization.frozen_capacity_kg,
        "active": organization.active,
    }


@bp.route(f"{V1}/me")
@login_required
def me():
    return jsonify({
        "id": current_user.id,
        "email": current_user.email,
        "display_name": current_user.display_name,
        "coalition_admin": permissions.is_coalition_admin(current_user),
        # The unit people read and type on the site; every weight field of this API stays in kilograms.
        "weight_unit": units.label(),
        "memberships": [
            {"organization_id": m.organization_id, "organization": m.organization.name, "role": m.role.value}
            for m in current_user.active_memberships()
        ],
    })


@bp.route(f"{V1}/organizations")
@login_required
def list_organizations():
    return jsonify({"organizations": [organization_json(o) for o in organizations.list_organizations(db.session)]})


@bp.route(f"{V1}/organizations/<{ID}:organization_id>")
@login_required
def get_organization(organization_id: int):
    organization = organizations.get_organization(db.session, check_id(organization_id, "organization"))
    permissions.authorize(permissions.can_view_organization(current_user, organization))
    return jsonify(organization_json(organization))
