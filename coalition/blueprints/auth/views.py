from __future__ import annotations

import logging

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from coalition import mail_links
from coalition.blueprints import transaction
from coalition.blueprints.auth import bp
from coalition.blueprints.auth.forms import AcceptInvitationForm, ForgotPasswordForm, NewPasswordForm, SignInForm
from coalition.blueprints.forms import safe_next_url
from coalition.errors import InvalidCredentials, InvalidToken, TooManyAttempts
from coalition.extensions import db
from coalition.models.base import utcnow
from coalition.permissions import login_required
from coalition.services import accounts
from coalition.services.mail import MailSettings, send_mail

log = logging.getLogger(__name__)


@bp.route("/signin", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignInForm()
    status = 200
    if form.validate_on_submit():
        # A failed attempt's record is kept (committed): it is what throttles the next guesses.
        with transaction.write(form, keep_on=(InvalidCredentials, TooManyAttempts)) as outcome:
            user = accounts.authenticate(
                db.session, form.email.data, form.password.data, request.remote_addr or "unknown", utcnow(),
                accounts.ThrottlePolicy.from_config(current_app.config),
            )
        status = outcome.status
        if not outcome.failed:
            _start_session(user, remember=form.remember.data)
            return redirect(safe_next_url(request.args.get("next")) or url_for("main.home"))
    elif form.is_submitted():
        status = 422
    return render_template("auth/sign_in.html", form=form), status


def _start_session(user, remember: bool = False) -> None:
    """Sign ``user`` in on a fresh session: nothing an earlier visitor of this browser put in the session
    (a CSRF token seen before sign-in, a half-posted form) carries over, and a new CSRF token is made."""
    session.clear()
    login_user(user, remember=remember)
    generate_csrf()


@bp.route("/signout", methods=["POST"])
@login_required
def sign_out():
    # Ends this session on the server: a copy of the cookie (or of a remember-me cookie) names no one now.
    with transaction.committed():
        accounts.end_all_sessions(db.session, current_user, utcnow(), revoke_api_tokens=False)
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.sign_in"))


def _reset_policy() -> accounts.ResetPolicy:
    config = current_app.config
    return accounts.ResetPolicy(window_s=config["RESET_WINDOW_S"], max_per_account=config["RESET_MAX_PER_ACCOUNT"],
                                max_per_address=config["RESET_MAX_PER_ADDRESS"])


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    status = 200
    if form.validate_on_submit():
        # A request is recorded even when refused for flooding: the records are what throttles.
        with transaction.write(form, keep_on=(TooManyAttempts,)) as outcome:
            if mail_links.configured_base_url(current_app.config) is None:
                # Checked before any account is looked up, so the refusal is the same for every address.
                log.error("password reset refused: BASE_URL is not set, so no reset link can be made")
                raise mail_links.MailLinksNotConfigured("Password resets are not available: this server has no "
                                                        "address configured for links. Tell the coalition's "
                                                        "administrator.")
            email = accounts.clean_email(form.email.data)
            user = accounts.request_password_reset(db.session, email, request.remote_addr or "unknown", utcnow(),
                                                   _reset_policy())
        if outcome.failed:
            return render_template("auth/forgot_password.html", form=form), outcome.status
        if user is not None:
            token = accounts.make_password_reset_token(user, current_app.config["SECRET_KEY"])
            link = mail_links.absolute_url("auth.reset_password", {"token": token})
            send_mail(
                MailSettings.from_config(current_app.config), user.email,
                f"Reset your {current_app.config['COALITION_NAME']} password",
                f"Hello {user.display_name},\n\nTo choose a new password, open this link within the hour:\n{link}\n\n"
                "If you did not ask for this, ignore this message.",
            )
        # The same answer whether or not the account exists: no address probing.
        flash("If that address has an account, a link to reset the password is on its way.", "info")
        return redirect(url_for("auth.sign_in"))
    elif form.is_submitted():
        status = 422
    return render_template("auth/forgot_password.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    config = current_app.config
    try:
        accounts.user_for_reset_token(db.session, token, config["SECRET_KEY"], config["PASSWORD_RESET_MAX_AGE_S"])
    except InvalidToken as error:
        return render_template("auth/token_invalid.html", message=error.message), error.status_code
    form = NewPasswordForm()
    status = 200
    if form.validate_on_submit():
        with transaction.write(form) as outcome:
            accounts.reset_password(db.session, token, form.password.data, config["SECRET_KEY"],
                                    config["PASSWORD_RESET_MAX_AGE_S"], utcnow())
        status = outcome.status
        if not outcome.failed:
            flash("Your password is changed. Sign in with it now.", "success")
            return redirect(url_for("auth.sign_in"))
    elif form.is_submitted():
        status = 422
    return render_template("auth/reset_password.html", form=form), status


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    try:
        invitation = accounts.get_open_invitation(db.session, token, utcnow())
    except InvalidToken as error:
        return render_template("auth/token_invalid.html", message=error.message), error.status_code
    existing = accounts.get_user_by_email(db.session, invitation.email)
    form = AcceptInvitationForm()
    status = 200
    # CSRFProtect has already checked every POST; an existing account only confirms.
    submitted_ok = form.validate_on_submit() if existing is None else request.method == "POST"
    if submitted_ok:
        with transaction.write(form) as outcome:
            user = accounts.accept_invitation(
                db.session, token, utcnow(),
                display_name=form.display_name.data, password=form.password.data,
                signed_in_user=current_user if current_user.is_authenticated else None,
            )
        status = outcome.status
        if not outcome.failed:
            _start_session(user)
            flash(f"Welcome! You are now {invitation.role.value} of {invitation.organization.name}.", "success")
            return redirect(url_for("main.home"))
    elif form.is_submitted():
        status = 422
    return render_template("auth/accept_invitation.html", form=form, invitation=invitation, existing=existing), status
