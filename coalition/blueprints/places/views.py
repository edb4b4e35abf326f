from __future__ import annotations

from flask import current_app, jsonify, request

from coalition import permissions
from coalition.blueprints import transaction
from coalition.blueprints.places import bp
from coalition.errors import RuleError
from coalition.extensions import db
from coalition.permissions import requires
from coalition.services import geocoding

NOT_FOUND = "No place found for this address: check it, or place the pin on the map."


@bp.route("/geocode")
@requires(permissions.can_find_places)
def geocode():
    """``GET /places/geocode?q=ADDRESS[&organization_id=N]`` for "Find on map".

    Answers ``{"matches": [{"lat", "lon", "label", "far_km"}]}``, where ``far_km`` is the distance to the
    nearest other partner when the place lies outside the service area (else null). Errors are
    ``{"error", "fields": {"address"}}``: 422 no address, 404 nothing found, 503 no geocoder or no answer.
    """
    settings = geocoding.GeocoderSettings.from_config(current_app.config)
    try:
        with transaction.committed():  # keeps the geocoder's answer in the cache
            matches = geocoding.geocode(db.session, settings, request.args.get("q", ""))
    except RuleError as error:
        # Always JSON, whatever the Accept header: this endpoint only ever answers the page's script.
        return jsonify({"error": error.message, "fields": error.fields}), error.status_code
    if not matches:
        return jsonify({"error": NOT_FOUND, "fields": {"address": NOT_FOUND}}), 404
    points = geocoding.network_points(db.session, request.args.get("organization_id", type=int))
    return jsonify({"matches": [
        {**m.as_json(), "far_km": geocoding.km_outside_area(points, m.latitude, m.longitude, settings.service_area_km)}
        for m in matches
    ]})
