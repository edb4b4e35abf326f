"""Command-line entry points: ``flask demo load|reset|logins``."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from coalition.extensions import db
from coalition.services import demo

demo_cli = AppGroup("demo", help="Load or reset the demo coalition 'Feeding Our City'.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Only load when the database has no organizations.")
def load_command(if_empty: bool) -> None:
    """Load the demo coalition (safe to run again: it only adds what is missing)."""
    if if_empty and not demo.is_empty(db.session):
        click.echo("Database already has data; demo not loaded.")
        return
    summary = demo.load_demo(db.session)
    db.session.commit()
    click.echo(f"Demo loaded: {summary.organizations_created} organizations and {summary.users_created} people added.")


@demo_cli.command("reset")
@click.confirmation_option(prompt="This deletes ALL data and reloads the demo. Continue?")
def reset_command() -> None:
    """Delete every row and load the demo coalition afresh."""
    summary = demo.reset_demo(db.session)
    db.session.commit()
    click.echo(f"Demo reset: {summary.organizations_created} organizations and {summary.users_created} people.")


@demo_cli.command("logins")
def logins_command() -> None:
    """Print the demo sign-ins."""
    click.echo(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
    for email, _name, organization, _role, description in demo.DEMO_LOGINS:
        click.echo(f"  {email:<28} {description} ({organization})")


def register(app: Flask) -> None:
    app.cli.add_command(demo_cli)
