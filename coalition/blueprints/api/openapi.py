"""The OpenAPI 3.0 document of the JSON API, served at ``/api/openapi.json``.

Written by hand next to the views it describes; tests/app/api/test_api_openapi.py
checks that every API route appears here and fuzzes each operation with schemathesis.
"""
from __future__ import annotations

from flask import jsonify

from coalition.blueprints.api import bp
from coalition.blueprints.api.common import MAX_ID
from coalition.models import ClaimStatus, DonationKind, DonationStatus, FoodCategory, NeedStatus, StorageClass


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def enum(members) -> dict:
    return {"type": "string", "enum": [m.value for m in members]}


DATE_TIME = {"type": "string", "format": "date-time",
             "description": "ISO-8601 with a time zone (Z or ±hh:mm); a time without one is refused with 422."}
KG_IN = {"type": "number", "exclusiveMinimum": True, "minimum": 0, "maximum": 10000}
KG_OUT = {"type": "number", "minimum": 0}
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
TEXT = {"type": "string"}
NULLABLE_TEXT = {"type": "string", "nullable": True}
NULLABLE_TIME = {"type": "string", "format": "date-time", "nullable": True}


def obj(properties: dict, required: list[str] | None = None, **extra) -> dict:
    schema = {"type": "object", "properties": properties, **extra}
    if required:
        schema["required"] = required
    return schema


ORG_REF = obj({"id": {"type": "integer"}, "name": TEXT}, ["id", "name"], nullable=True)

SCHEMAS = {
    "Error": obj({
        "error": {"type": "string", "description": "What went wrong, for a person to read."},
        "fields": {"type": "object", "additionalProperties": {"type": "string"},
                   "description": "Field name -> message. Nested fields are dotted (pickup_window.start); list items "
                                  "use the services' keys (lines-0-kg)."},
    }, ["error", "fields"]),
    "Window": obj({"start": DATE_TIME, "end": DATE_TIME}, ["start", "end"]),
    "TokenRequest": obj({"email": {"type": "string", "maxLength": 254}, "password": {"type": "string", "maxLength": 1000}},
                        ["email", "password"]),
    "Token": obj({"token": TEXT, "token_type": {"type": "string", "enum": ["Bearer"]}, "expires_at": DATE_TIME},
                 ["token", "expires_at"]),
    "Revoked": obj({"revoked": {"type": "boolean"}}, ["revoked"]),
    "Me": obj({"id": {"type": "integer"}, "email": TEXT, "display_name": TEXT, "coalition_admin": {"type": "boolean"},
               "weight_unit": {"type": "string", "enum": ["kg", "lb"], "description": "The unit the coalition's "
                               "pages, forms and reports show weights in. The API's weight fields stay in SI "
                               "kilograms (*_kg) whatever this says"},
               "memberships": {"type": "array", "items": obj({
                   "organization_id": {"type": "integer"}, "organization": TEXT, "role": TEXT})}}),
    "Organization": obj({
        "id": {"type": "integer"}, "kind": TEXT, "name": TEXT, "address": TEXT,
        "latitude": {"type": "number", "nullable": True}, "longitude": {"type": "number", "nullable": True},
        "location_exact": {"type": "boolean", "description": "False for a confidential site the caller may not "
                           "locate: address is empty, latitude and longitude are null, neighborhood names the area"},
        "neighborhood": NULLABLE_TEXT,
        "phone": NULLABLE_TEXT, "hours": {"type": "object"},
        "refrigerated_capacity_kg": {"type": "number", "nullable": True},
        "frozen_capacity_kg": {"type": "number", "nullable": True}, "active": {"type": "boolean"},
    }),
    "OrganizationList": obj({"organizations": {"type": "array", "items": ref("Organization")}}, ["organizations"]),
    "Line": obj({
        "id": {"type": "integer"}, "donation_id": {"type": "integer"}, "position": {"type": "integer"},
        "category": enum(FoodCategory), "description": TEXT,
        "kg": KG_OUT, "claimed_kg": KG_OUT, "remaining_kg": KG_OUT,
        "units": {"type": "integer", "nullable": True}, "storage": enum(StorageClass), "use_by": DATE_TIME,
        "pack_type": TEXT,
    }, ["id", "kg", "claimed_kg", "remaining_kg"]),
    "LineList": obj({"lines": {"type": "array", "items": ref("Line")}}, ["lines"]),
    "Donation": obj({
        "id": {"type": "integer"}, "kind": enum(DonationKind), "status": enum(DonationStatus), "donor": ORG_REF,
        "pickup_window": ref("Window"), "available_from": NULLABLE_TIME, "available_until": NULLABLE_TIME,
        "notes": TEXT, "allow_split": {"type": "boolean"}, "priority_recipient": ORG_REF,
        "priority_until": NULLABLE_TIME, "created_at": DATE_TIME, "cancelled_at": NULLABLE_TIME,
        "cancel_reason": TEXT, "total_kg": KG_OUT, "lines": {"type": "array", "items": ref("Line")},
    }, ["id", "kind", "status", "pickup_window", "lines"]),
    "DonationList": obj({"donations": {"type": "array", "items": ref("Donation")}}, ["donations"]),
    "OfferList": obj({"offers": {"type": "array", "items": ref("Donation")}}, ["offers"]),
    "LineInput": obj({
        "category": {**enum(FoodCategory), "description": "Required for donations; offers default to produce."},
        "description": {"type": "string", "minLength": 1, "maxLength": 200, "description": "What it is (for an offer: the crop)."},
        "kg": {**KG_IN, "description": "Weight in kg; an estimate when counted in units."},
        "units": {"type": "integer", "minimum": 1, "maximum": 100000},
        "storage": enum(StorageClass),
        "use_by": {**DATE_TIME, "description": "Use-by date and time; not before the pickup window starts."},
        "pack_type": {"type": "string", "maxLength": 60},
    }, ["description", "kg", "storage", "use_by"]),
    "DonationInput": obj({
        "donor_id": {**ID_SCHEMA, "description": "The donor organization; needed only if you act for several."},
        "pickup_window": ref("Window"),
        "lines": {"type": "array", "minItems": 1, "maxItems": 30, "items": ref("LineInput")},
        "notes": {"type": "string", "maxLength": 2000, "description": "Notes for the driver."},
        "allow_split": {"type": "boolean", "default": True, "description": "May recipients claim part of a line?"},
    }, ["pickup_window", "lines"]),
    "OfferInput": obj({
        "donor_id": ID_SCHEMA, "pickup_window": ref("Window"),
        "available": {**ref("Window"), "description": "When the produce is available (optional)."},
        "lines": {"type": "array", "minItems": 1, "maxItems": 30, "items": ref("LineInput")},
        "notes": {"type": "string", "maxLength": 2000}, "allow_split": {"type": "boolean", "default": True},
    }, ["pickup_window", "lines"]),
    "DonationUpdate": obj({
        "pickup_window": ref("Window"), "notes": {"type": "string", "maxLength": 2000},
    }, description="Only while nothing is claimed; omitted fields stay as they are."),
    "Cancel": obj({"reason": {"type": "string", "maxLength": 300}}),
    "Claim": obj({
        "id": {"type": "integer"}, "donation_id": {"type": "integer"}, "line_id": {"type": "integer"},
        "description": TEXT, "donor": ORG_REF, "recipient": ORG_REF, "need_id": {"type": "integer", "nullable": True},
        "kg": KG_OUT, "delivery_window": ref("Window"), "pickup_window": ref("Window"), "status": enum(ClaimStatus),
        "on_behalf": {"type": "boolean"}, "created_at": DATE_TIME, "ended_at": NULLABLE_TIME, "end_reason": TEXT,
        "picked_up_kg": {"type": "number", "nullable": True}, "delivered_kg": {"type": "number", "nullable": True},
    }, ["id", "line_id", "kg", "status", "delivery_window"]),
    "ClaimList": obj({"claims": {"type": "array", "items": ref("Claim")}}, ["claims"]),
    "ClaimInput": obj({
        "kg": {**KG_IN, "description": "Kilograms to claim; omitted: all that is left of the line."},
        "line_id": {**ID_SCHEMA, "description": "Required when the donation has several lines."},
        "recipient_id": {**ID_SCHEMA, "description": "The food bank or shelter claiming; defaults to the caller's "
                                                     "only one (422 asking for it otherwise)."},
        "need_id": {**ID_SCHEMA, "description": "The recipient's need this claim meets (optional)."},
        "delivery_window": {**ref("Window"), "description": "Defaults to the two hours after the pickup window "
                                                            "ends (or after now, if that has passed)."},
    }),
    "ClaimUpdate": obj({"delivery_window": ref("Window")}, ["delivery_window"]),
    "Release": obj({"reason": {"type": "string", "minLength": 1, "maxLength": 300}}, ["reason"]),
    "Reassign": obj({"recipient_id": ID_SCHEMA}, ["recipient_id"]),
    "Empty": obj({}, description="An empty JSON object: {}."),
    "Need": obj({
        "id": {"type": "integer"}, "recipient": ORG_REF, "category": enum(FoodCategory), "storage": enum(StorageClass),
        "kg": KG_OUT, "needed_by": DATE_TIME, "delivery_windows": {"type": "array", "items": ref("Window")},
        "refrigerated_free_kg": KG_OUT, "frozen_free_kg": KG_OUT, "people_expected": {"type": "integer"},
        "notes": TEXT, "status": enum(NeedStatus), "created_at": DATE_TIME,
    }, ["id", "category", "storage", "kg", "needed_by", "status"]),
    "NeedList": obj({"needs": {"type": "array", "items": ref("Need")}}, ["needs"]),
    "NeedInput": obj({
        "recipient_id": {**ID_SCHEMA, "description": "The food bank or shelter; needed only if you act for several "
                                                     "(the backbone always names it)."},
        "category": enum(FoodCategory), "storage": enum(StorageClass),
        "kg": {**KG_IN, "maximum": 50000}, "needed_by": DATE_TIME,
        "delivery_windows": {"type": "array", "maxItems": 5, "items": ref("Window")},
        "refrigerated_free_kg": {"type": "number", "minimum": 0}, "frozen_free_kg": {"type": "number", "minimum": 0},
        "people_expected": {"type": "integer", "minimum": 0}, "notes": {"type": "string", "maxLength": 300},
    }, ["category", "storage", "kg", "needed_by"]),
    "NeedUpdate": obj({
        "category": enum(FoodCategory), "storage": enum(StorageClass),
        "kg": {**KG_IN, "maximum": 50000}, "needed_by": DATE_TIME,
        "delivery_windows": {"type": "array", "maxItems": 5, "items": ref("Window")},
        "refrigerated_free_kg": {"type": "number", "minimum": 0}, "frozen_free_kg": {"type": "number", "minimum": 0},
        "people_expected": {"type": "integer", "minimum": 0}, "notes": {"type": "string", "maxLength": 300},
    }),
}

ERRORS = {
    "400": "Malformed JSON, not an object, or a field of the wrong type",
    "401": "No valid bearer token (or signed-in session)",
    "403": "Not allowed for the caller",
    "404": "Unknown id",
    "409": "Conflicts with the current state (already claimed, already cancelled ...)",
    "422": "A value breaks a rule; fields names each",
}


def responses(ok: str, schema: str, description: str, *errors: str) -> dict:
    answer = {ok: {"description": description, "content": {"application/json": {"schema": ref(schema)}}}}
    for status in ("401", "403", "404", *errors):
        answer[status] = {"description": ERRORS[status], "content": {"application/json": {"schema": ref("Error")}}}
    return answer


def path_id(name: str, what: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": f"The {what}'s id", "schema": ID_SCHEMA}


def query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def body(schema: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": ref(schema)}}}


def op(operation_id: str, summary: str, ok: str, schema: str, *errors: str, request: str | None = None,
       parameters: list | None = None, tag: str = "", public: bool = False, description: str | None = None) -> dict:
    operation = {"operationId": operation_id, "summary": summary,
                 "responses": responses(ok, schema, summary, *errors)}
    if tag:
        operation["tags"] = [tag]
    if description:
        operation["description"] = description
    if parameters:
        operation["parameters"] = parameters
    if request:
        operation["requestBody"] = body(request)
    if public:
        operation["security"] = []
        operation["responses"].pop("401", None)
        operation["responses"].pop("403", None)
        operation["responses"].pop("404", None)
        operation["responses"]["401"] = {"description": "Wrong e-mail or password",
                                         "content": {"application/json": {"schema": ref("Error")}}}
        operation["responses"]["429"] = {"description": "Too many failed attempts: wait",
                                         "content": {"application/json": {"schema": ref("Error")}}}
    return operation


INCLUDE_CLOSED = query("include_closed", {"type": "string", "enum": ["true", "false"]},
                       "Also list your own cancelled and expired donations.")
DONATION = path_id("donation_id", "donation")
OFFER = path_id("offer_id", "offer")
CLAIM = path_id("claim_id", "claim")
NEED = path_id("need_id", "need")

PATHS = {
    "/api/v1/auth/token": {
        "post": op("issueToken", "Exchange e-mail and password for a bearer token", "201", "Token", "400", "422",
                   request="TokenRequest", tag="auth", public=True,
                   description="Sign-in throttling applies. The token expires (API_TOKEN_MAX_AGE_S)."),
        "delete": op("revokeToken", "Revoke the bearer token this request is made with", "200", "Revoked", "400",
                     "409", tag="auth"),
    },
    "/api/v1/me": {"get": op("getMe", "The caller and their memberships", "200", "Me", tag="organizations")},
    "/api/v1/organizations": {"get": op("listOrganizations", "The coalition's organizations", "200",
                                        "OrganizationList", tag="organizations")},
    "/api/v1/organizations/{organization_id}": {"get": op(
        "getOrganization", "One organization's profile", "200", "Organization", tag="organizations",
        parameters=[path_id("organization_id", "organization")])},
    "/api/v1/donations": {
        "get": op("listDonations", "Donations visible to the caller", "200", "DonationList", "422", tag="donations",
                  parameters=[INCLUDE_CLOSED, query("kind", enum(DonationKind), "Only this kind")],
                  description="Donors: their organizations' open donations. Recipients and the backbone: open "
                              "supply with kilograms left."),
        "post": op("createDonation", "Post a donation (store surplus)", "201", "Donation", "400", "422",
                   request="DonationInput", tag="donations"),
    },
    "/api/v1/donations/{donation_id}": {
        "get": op("getDonation", "A donation with each line's kg, claimed_kg and remaining_kg", "200", "Donation",
                  tag="donations", parameters=[DONATION]),
        "patch": op("updateDonation", "Change the pickup window or notes while nothing is claimed", "200", "Donation",
                    "400", "409", "422", request="DonationUpdate", tag="donations", parameters=[DONATION]),
    },
    "/api/v1/donations/{donation_id}/cancel": {"post": op(
        "cancelDonation", "Cancel a donation; claimants are told", "200", "Donation", "400", "409", "422",
        request="Cancel", tag="donations", parameters=[DONATION])},
    "/api/v1/donations/{donation_id}/lines": {"get": op(
        "listLines", "A donation's lines", "200", "LineList", tag="donations", parameters=[DONATION])},
    "/api/v1/lines/{line_id}": {"get": op(
        "getLine", "One donation line", "200", "Line", tag="donations", parameters=[path_id("line_id", "line")])},
    "/api/v1/donations/{donation_id}/claims": {"post": op(
        "claimDonation", "Claim kilograms of a donation line", "201", "Claim", "400", "409", "422",
        request="ClaimInput", tag="claims", parameters=[DONATION],
        description="409 with an 'Already claimed' message when the kilograms are no longer available.")},
    "/api/v1/offers": {
        "get": op("listOffers", "Produce offers visible to the caller", "200", "OfferList", "422", tag="offers",
                  parameters=[INCLUDE_CLOSED]),
        "post": op("createOffer", "Post a farm's produce offer", "201", "Donation", "400", "422",
                   request="OfferInput", tag="offers"),
    },
    "/api/v1/offers/{offer_id}": {
        "get": op("getOffer", "A produce offer", "200", "Donation", tag="offers", parameters=[OFFER]),
        "patch": op("updateOffer", "Change an offer's pickup window or notes while nothing is claimed", "200",
                    "Donation", "400", "409", "422", request="DonationUpdate", tag="offers", parameters=[OFFER]),
    },
    "/api/v1/offers/{offer_id}/cancel": {"post": op(
        "cancelOffer", "Cancel a produce offer", "200", "Donation", "400", "409", "422", request="Cancel",
        tag="offers", parameters=[OFFER])},
    "/api/v1/claims": {"get": op(
        "listClaims", "Claims of the caller's food bank or shelter", "200", "ClaimList", "400", "422", tag="claims",
        parameters=[query("recipient_id", ID_SCHEMA, "Whose claims (needed by the backbone)"),
                    query("include_ended", {"type": "string", "enum": ["true", "false"]},
                          "Also list undone, cancelled, expired and delivered claims")])},
    "/api/v1/claims/{claim_id}": {
        "get": op("getClaim", "One claim", "200", "Claim", tag="claims", parameters=[CLAIM]),
        "patch": op("rescheduleClaim", "Set or move the delivery window", "200", "Claim", "400", "409", "422",
                    request="ClaimUpdate", tag="claims", parameters=[CLAIM]),
    },
    "/api/v1/claims/{claim_id}/undo": {"post": op(
        "undoClaim", "Withdraw a mistaken claim within the grace period", "200", "Claim", "400", "409",
        request="Empty", tag="claims", parameters=[CLAIM])},
    "/api/v1/claims/{claim_id}/release": {"post": op(
        "releaseClaim", "Give a claim back before pickup", "200", "Claim", "400", "409", "422", request="Release",
        tag="claims", parameters=[CLAIM])},
    "/api/v1/claims/{claim_id}/reassign": {"post": op(
        "reassignClaim", "Move a claim to another recipient (backbone coordinators)", "200", "Claim", "400", "409",
        "422", request="Reassign", tag="claims", parameters=[CLAIM])},
}

NEEDS_PATHS = {
    "/api/v1/needs": {
        "get": op("listNeeds", "Open needs (recipients: their own; donors and the backbone: all)", "200", "NeedList",
                  tag="needs", description="Soonest first."),
        "post": op("createNeed", "Post a need", "201", "Need", "400", "422", request="NeedInput", tag="needs"),
    },
    "/api/v1/needs/{need_id}": {
        "get": op("getNeed", "One need", "200", "Need", tag="needs", parameters=[NEED]),
        "patch": op("updateNeed", "Change an open need", "200", "Need", "400", "409", "422", request="NeedUpdate",
                    tag="needs", parameters=[NEED],
                    description="Fields left out keep their values; delivery_windows is replaced whole."),
    },
    "/api/v1/needs/{need_id}/cancel": {"post": op(
        "cancelNeed", "Cancel an open need", "200", "Need", "400", "409", request="Empty", tag="needs",
        parameters=[NEED])},
}


# Served by the measurement blueprint (coalition/blueprints/measurement/api.py), described here with the rest.
MONTH = {"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-01"}
INDICATORS_PATHS = {
    "/api/v1/indicators": {"get": op(
        "getIndicators", "The coalition's shared indicators (kg rescued and distributed, meals, people served, goal)",
        "200", "Indicators", "422", tag="measurement",
        parameters=[query("from", MONTH, "First month, YYYY-MM (default: 12 months back)"),
                    query("to", MONTH, "Last month, YYYY-MM (default: this month)"),
                    query("group_by", {"type": "string"}, "Comma-separated: month, year, category, storage, "
                          "donor_kind, partner, donor, neighborhood (partner and donor: the backbone only)"),
                    query("organization_id", ID_SCHEMA, "One partner's own figures (its people or the backbone)")])},
}
SCHEMAS["Indicators"] = obj({
    "period": obj({"from": TEXT, "to": TEXT, "start": DATE_TIME, "end": DATE_TIME}),
    "organization_id": {"type": "integer", "nullable": True},
    "goal": {"type": "object", "nullable": True},
    "kg_rescued": KG_OUT, "kg_distributed": KG_OUT, "meals_distributed": {"type": "number"},
    "people_served": {"type": "integer", "nullable": True}, "groups": {"type": "object"},
    "definitions": {"type": "object"},
}, ["period", "kg_rescued", "kg_distributed"])


def document() -> dict:
    paths = {**PATHS, **NEEDS_PATHS, **INDICATORS_PATHS}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Feeding Our City API",
            "version": "1",
            "description": (
                "Donations, produce offers, needs and claims of the food-security coalition, with the same "
                "permissions as the web pages. Authenticate with POST /api/v1/auth/token and send "
                "`Authorization: Bearer <token>`. Weights are SI kilograms whatever the coalition shows (GET /api/v1/me says its weight_unit); times are ISO-8601 with a time zone "
                "(answers are in UTC). Bodies of POST and PATCH are JSON objects (`{}` where nothing is needed). "
                "Every error is `{\"error\", \"fields\"}`: 400 malformed JSON or wrong type, 401 no valid token, "
                "403 not allowed, 404 unknown id, 409 conflict (e.g. already claimed), 422 invalid value."
            ),
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearerAuth": []}],
    }


@bp.route("/openapi.json")
def openapi():
    return jsonify(document())
