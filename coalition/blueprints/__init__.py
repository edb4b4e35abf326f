"""Blueprints, one package per area of the site."""
from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from coalition.blueprints import (
        api,
        auth,
        claims,
        donations,
        main,
        matching,
        needs,
        notifications,
        organizations,
        supply,
    )

    for package in (main, auth, organizations, donations, supply, claims, needs, notifications, matching, api):
        app.register_blueprint(package.bp)
    from coalition.blueprints import measurement  # shared measurement, and its /api/v1/indicators

    app.register_blueprint(measurement.bp)
    app.register_blueprint(measurement.api_bp)
    from coalition.blueprints import communication, directory, projects  # coalition coordination

    for package in (directory, communication, projects):
        app.register_blueprint(package.bp)
    from coalition.blueprints import feedback, readiness, reports  # coordination: readiness, receipts, feedback

    for package in (readiness, reports, feedback):
        app.register_blueprint(package.bp)
    from coalition.blueprints import planning, shifts  # dispatch: the coordinator's route planning, shifts

    app.register_blueprint(planning.bp)
    app.register_blueprint(shifts.bp)
    from coalition.blueprints import driver  # dispatch: the driver app, rescues, cover, the calendar feed

    app.register_blueprint(driver.bp)
    from coalition.blueprints import places  # addresses found on the map

    app.register_blueprint(places.bp)
    from coalition.blueprints import funding  # the funding ledger: grants, spending, funder reports

    app.register_blueprint(funding.bp)
