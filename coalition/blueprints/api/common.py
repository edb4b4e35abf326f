"""Reading JSON requests and writing JSON answers, shared by the API's modules.

Wrong JSON types are 400, values that parse but break a rule are 422; every
error names the field it is about (nested fields as ``pickup_window.start``,
list items as ``lines-0-kg``, the same keys the services use).
"""
from __future__ import annotations

import datetime as dt
import math
from typing import Any

from flask import jsonify, request
from flask_login import current_user

from coalition import permissions
from coalition.errors import NotFound, RuleError, ValidationError

V1 = "/v1"
# Ids beyond a 32-bit integer do not exist (and PostgreSQL refuses to compare with them).
MAX_ID = 2**31 - 1
ID = "int"  # ids beyond MAX_ID: check_id() answers 404 (a converter maximum would make werkzeug answer 405)
MISSING = object()


class MalformedRequest(RuleError):
    """The body is not JSON, not an object, or a field has the wrong JSON type."""

    status_code = 400


def json_body() -> Body:
    """The request's JSON object (``{}`` is fine), or a 400."""
    if not request.is_json:
        raise MalformedRequest("Send a JSON object with Content-Type: application/json.")
    try:
        data = request.get_json(silent=True)  # None for invalid JSON
    except RecursionError:  # the json module recurses once per nesting level
        raise MalformedRequest("The JSON is nested too deeply.") from None
    if not isinstance(data, dict):
        raise MalformedRequest("The body must be a JSON object (valid JSON, e.g. {\"kg\": 12.5}).")
    return Body(data)


def created(payload: dict):
    response = jsonify(payload)
    response.status_code = 201
    return response


def check_id(value: int | None, what: str) -> int:
    if value is None or not 1 <= value <= MAX_ID:
        raise NotFound(f"There is no such {what}.")
    return value


def query_flag(name: str) -> bool:
    value = request.args.get(name, "false").strip().lower()
    if value not in {"true", "false", "1", "0", "yes", "no"}:
        raise ValidationError(f"{name} must be true or false.", {name: "Use true or false."})
    return value in {"true", "1", "yes"}


def query_id(name: str) -> int | None:
    value = request.args.get(name)
    if value is None or value == "":
        return None
    if not value.isascii() or not value.isdigit():
        raise MalformedRequest(f"{name} must be a whole number.", {name: "Use a whole number."})
    return int(value)


def iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def window_json(start: dt.datetime, end: dt.datetime) -> dict:
    return {"start": iso(start), "end": iso(end)}


def caller_organizations(predicate) -> list:
    """The caller's organizations (active memberships) for which ``predicate(user, organization)`` holds."""
    seen = {}
    for membership in current_user.active_memberships():
        organization = membership.organization
        if organization.id not in seen and predicate(current_user, organization):
            seen[organization.id] = organization
    return list(seen.values())


def pick_organization(candidates: list, requested_id: int | None, field: str, what: str, loader, allowed) -> Any:
    """The organization named by ``requested_id`` (checked with ``allowed``), or the caller's only candidate.

    Raises NotFound for an unknown id, PermissionDenied for one the caller may not act for,
    and ValidationError when the caller has several candidates and named none.
    """
    if requested_id is not None:
        organization = loader(check_id(requested_id, "organization"))
        permissions.authorize(allowed(current_user, organization), f"You cannot act for {organization.name} here.")
        return organization
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise ValidationError(f"Say which {what} this is for.", {field: f"Give the {what}'s id."})
    names = ", ".join(f"{o.name} ({o.id})" for o in candidates)
    raise ValidationError(f"You act for several: say which {what} with {field}.", {field: f"One of: {names}."})


class Body:
    """Typed access to a JSON object's fields.

    Wrong types are collected as ``malformed`` (400) and bad values as
    ``invalid`` (422); ``finish()`` raises whichever was found, all fields at once.
    """

    def __init__(self, data: dict, path: str = "", sink: Body | None = None):
        self.data = data
        self.path = path
        self.malformed: dict[str, str] = sink.malformed if sink else {}
        self.invalid: dict[str, str] = sink.invalid if sink else {}

    def name(self, key: str) -> str:
        return f"{self.path}{key}"

    def has(self, key: str) -> bool:
        return key in self.data and self.data[key] is not None

    def _get(self, key: str, required: bool, what: str):
        value = self.data.get(key)
        if value is None:
            if required:
                self.invalid[self.name(key)] = f"Give {what}."
            return MISSING
        return value

    def string(self, key: str, required: bool = False, what: str = "a value", max_length: int = 2000) -> str | None:
        value = self._get(key, required, what)
        if value is MISSING:
            return None
        if not isinstance(value, str):
            self.malformed[self.name(key)] = "Must be a string."
            return None
        if "\x00" in value or not _encodable(value):
            self.invalid[self.name(key)] = "Contains characters that cannot be stored."
            return None
        if len(value) > max_length:
            self.invalid[self.name(key)] = f"Keep it under {max_length} characters."
            return None
        return value

    def number(self, key: str, required: bool = False, what: str = "a number") -> float | None:
        value = self._get(key, required, what)
        if value is MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.malformed[self.name(key)] = "Must be a number."
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self.invalid[self.name(key)] = "Must be a finite number."
            return None
        return value

    def integer(self, key: str, required: bool = False, what: str = "an id") -> int | None:
        value = self._get(key, required, what)
        if value is MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.malformed[self.name(key)] = "Must be a whole number."
            return None
        return value

    def boolean(self, key: str) -> bool | None:
        value = self._get(key, False, "")
        if value is MISSING:
            return None
        if not isinstance(value, bool):
            self.malformed[self.name(key)] = "Must be true or false."
            return None
        return value

    def datetime(self, key: str, required: bool = False, what: str = "a date and time") -> dt.datetime | None:
        """An ISO-8601 date and time with a time zone, returned in UTC."""
        raw = self.string(key, required, what, max_length=64)
        if raw is None:
            return None
        try:
            value = dt.datetime.fromisoformat(raw)
        except ValueError:
            self.invalid[self.name(key)] = "Use ISO-8601, e.g. 2026-05-01T18:00:00-07:00."
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            self.invalid[self.name(key)] = "Give a time zone (e.g. Z or -07:00): a time without one is ambiguous."
            return None
        try:
            value = value.astimezone(dt.timezone.utc)
        except (OverflowError, ValueError):
            self.invalid[self.name(key)] = "That date is out of range."
            return None
        if not 1970 <= value.year <= 2999:
            self.invalid[self.name(key)] = "That date is out of range."
            return None
        return value

    def child(self, key: str, required: bool = False, what: str = "an object") -> Body | None:
        value = self._get(key, required, what)
        if value is MISSING:
            return None
        if not isinstance(value, dict):
            self.malformed[self.name(key)] = "Must be an object."
            return None
        return Body(value, f"{self.name(key)}.", self)

    def items(self, key: str, required: bool = False, what: str = "a list") -> list[Body] | None:
        value = self._get(key, required, what)
        if value is MISSING:
            return None
        if not isinstance(value, list):
            self.malformed[self.name(key)] = "Must be a list."
            return None
        bodies = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                self.malformed[f"{self.name(key)}-{index}"] = "Must be an object."
                continue
            bodies.append(Body(item, f"{self.name(key)}-{index}-", self))
        return bodies

    def window(self, key: str, required: bool = False, what: str = "a time window") -> tuple | None:
        """``{"start", "end"}`` as a pair of UTC datetimes (either may be None if missing or bad)."""
        child = self.child(key, required, what)
        if child is None:
            return None
        return child.datetime("start", True, "the start"), child.datetime("end", True, "the end")

    def finish(self) -> None:
        if self.malformed:
            raise MalformedRequest("The request has fields of the wrong type.", dict(self.malformed))
        if self.invalid:
            raise ValidationError("Please correct the highlighted fields.", dict(self.invalid))


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
