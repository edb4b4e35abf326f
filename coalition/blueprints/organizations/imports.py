"""The upload page for onboarding partners from a spreadsheet: upload, preview, import."""
from __future__ import annotations

from flask import Response, current_app, render_template, request
from flask_login import current_user

from coalition import mail_links, permissions
from coalition.blueprints import transaction
from coalition.blueprints.organizations import bp
from coalition.blueprints.organizations.forms import PartnerImportForm
from coalition.errors import ValidationError
from coalition.extensions import db
from coalition.models.base import utcnow
from coalition.permissions import requires
from coalition.services import geocoding, partner_import
from coalition.services.mail import MailSettings, send_mail


def _page(form: PartnerImportForm, preview=None, status: int = 200):
    return render_template("organizations/import.html", form=form, preview=preview,
                           columns=partner_import.COLUMNS, max_rows=partner_import.MAX_ROWS), status


def _uploaded_text(form: PartnerImportForm) -> str:
    upload = form.file.data
    if upload and getattr(upload, "filename", ""):
        return partner_import.decode(upload.read())
    if form.csv_text.data:
        return form.csv_text.data
    raise ValidationError("Choose a CSV file to upload.", {"file": "Choose a CSV file to upload."})


@bp.route("/import", methods=["GET", "POST"])
@requires(permissions.can_import_partners)
def import_partners():
    """Upload shows a preview of every row; "Import" (the preview's own text sent back) writes all or nothing."""
    form = PartnerImportForm()
    if not form.is_submitted():
        return _page(form)
    if not form.validate():
        return _page(form, status=422)
    settings = geocoding.GeocoderSettings.from_config(current_app.config)
    result = None
    # One unit of work: the geocoder's answers are cached even when the rows are only previewed.
    with transaction.write(form) as outcome:
        text = _uploaded_text(form)
        preview = partner_import.preview_import(db.session, settings, text)
        if request.form.get("action") == "import" and preview.ok:
            result = partner_import.apply_import(db.session, current_user, preview, utcnow(),
                                                 current_app.config["INVITATION_MAX_AGE_S"])
            # Links from BASE_URL, never from the request's host.
            messages = partner_import.invitation_mails(result.invitations, mail_links.absolute_url,
                                                       current_app.config["INVITATION_MAX_AGE_S"],
                                                       current_app.config["COALITION_NAME"])
    if outcome.failed:
        return _page(form, status=outcome.status)
    if result is None:
        form.csv_text.data = text
        return _page(form, preview, 200 if preview.ok else 422)
    settings = MailSettings.from_config(current_app.config)
    # Shown on the page rather than flashed: a network's worth of links would not fit in a session cookie.
    sent = [(email, None if send_mail(settings, email, subject, body) else link)
            for email, subject, body, link in messages]
    return render_template("organizations/import_done.html", result=result, invitations=sent)


@bp.route("/import/template.csv")
@requires(permissions.can_import_partners)
def import_template():
    """A spreadsheet to fill in: the columns and two example partners."""
    return Response(partner_import.template_csv(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=partners-template.csv"})
