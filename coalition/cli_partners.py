"""``flask partners import FILE.csv``: onboard a network of partners from a spreadsheet, all or nothing."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from coalition import mail_links
from coalition.cli import committed
from coalition.extensions import db
from coalition.models.base import utcnow
from coalition.services import geocoding, partner_import
from coalition.services.mail import MailSettings, send_mail

partners_cli = AppGroup("partners", help="Onboard partner organizations.")


def _send(messages) -> None:
    settings = MailSettings.from_config(current_app.config)
    for email, subject, body, link in messages:
        if send_mail(settings, email, subject, body):
            click.echo(f"invitation e-mailed to {email}")
        else:
            click.echo(f"e-mail is not set up: send {email} this link yourself: {link}")


def _describe(row: partner_import.RowResult) -> str:
    if row.action == "fail":
        return f"line {row.line}: FAILED {row.name or '(no name)'}: {' '.join(row.problems)}"
    notes = f" ({' '.join(row.warnings)})" if row.warnings else ""
    return f"line {row.line}: {row.action} {row.name}{notes}"


@partners_cli.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--as", "email", default=None, help="Import as this coalition admin (default: the first one).")
@click.option("--dry-run", is_flag=True, help="Show what would happen and write nothing.")
@click.pass_context
def import_command(ctx, file, email: str | None, dry_run: bool) -> None:
    """Create or update partners from FILE (CSV; see README for the columns). Nothing is written when any
    row fails; the last line is "imported N, updated M, failed K"."""
    config = current_app.config
    settings = geocoding.GeocoderSettings.from_config(config)
    try:
        with committed():  # the geocoder's answers stay cached even when the rows fail
            actor = partner_import.default_importer(db.session, email)
            preview = partner_import.preview_import(db.session, settings, partner_import.decode(file.read()))
        for problem in preview.file_problems:
            click.echo(f"file: {problem}")
        for row in preview.rows:
            click.echo(_describe(row))
        if not preview.ok:
            click.echo(f"imported 0, updated 0, failed {preview.failed}")
            ctx.exit(1)
        if dry_run:
            click.echo(f"would import {preview.count('create')}, update {preview.count('update')}, failed 0")
            return
        with committed():
            result = partner_import.apply_import(db.session, actor, preview, utcnow(), config["INVITATION_MAX_AGE_S"])
            # Links come from BASE_URL, never guessed: without it the import is refused.
            messages = partner_import.invitation_mails(result.invitations, mail_links.absolute_url,
                                                       config["INVITATION_MAX_AGE_S"], config["COALITION_NAME"])
    except click.ClickException as error:  # a refused request: committed() rolled back
        click.echo(f"error: {error.message}", err=True)
        click.echo("imported 0, updated 0, failed 0")
        ctx.exit(1)
    _send(messages)
    click.echo(f"imported {result.imported}, updated {result.updated}, failed 0")
