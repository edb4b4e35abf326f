"""Template globals and filters shared by every page."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from flask_login import current_user

from coalition import permissions
from coalition.blueprints.viewer_places import place
from coalition.models import WEEKDAYS
from coalition.services import navigation, units


def register_template_helpers(app: Flask) -> None:
    @app.context_processor
    def _globals():
        return {
            "is_coalition_admin": permissions.is_coalition_admin(current_user),
            "is_backbone_staff": permissions.is_backbone_staff(current_user),
            "permissions": permissions,
            # The menu comes from the links table, as the home page's next steps do.
            "menu_links": navigation.menu_for(current_user) if current_user.is_authenticated else [],
            "bottom_links": navigation.bottom_bar_for(current_user) if current_user.is_authenticated else [],
            "WEEKDAYS": WEEKDAYS,
            "coalition_name": current_app.config["COALITION_NAME"],
            "place": place,
            "weight_unit": units.unit(),
        }

    app.add_template_filter(place, "place")
    # Grams in the coalition's unit with its label ("12.5 lb"); weight_number leaves the label out.
    app.add_template_filter(units.weight_text, "weight")
    app.add_template_filter(units.to_display, "weight_number")
    app.add_template_filter(units.per_unit, "per_weight")
    # Figures computed in kilograms (dashboards, plans): in_unit converts the number, kg_weight adds the label.
    app.add_template_filter(units.from_kg, "in_unit")
    app.add_template_filter(units.kg_text, "kg_weight")

    @app.template_filter("local_time")
    def _local_time(value: dt.datetime | None, fmt: str = "%a %d %b %Y, %H:%M") -> str:
        if value is None:
            return "never"
        return value.astimezone(ZoneInfo(current_app.config["COALITION_TIMEZONE"])).strftime(fmt)
