"""Account pages: register, log in (throttled), log out, change password."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_url, login_user, logout_user
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from webapp import audit
from webapp.accounts import bp
from webapp.accounts.forms import (
    EMAIL_TAKEN,
    ActivateForm,
    ChangePasswordForm,
    LoginForm,
    RegisterForm,
)
from webapp.accounts.invitation import invited_user
from webapp.accounts.models import (
    LoginAttempt,
    User,
    begin_session,
    claim_session,
    end_other_sessions,
    end_session,
    normalise_email,
    password_matches,
    recent_failures,
    reserve_attempt,
    session_still_open,
    withdraw_attempt,
)
from webapp.database import utcnow
from webapp.errors.handlers import wants_json
from webapp.extensions import db, login_manager

ADDRESS_FAILURES_ALLOWED = 20


def local_target(target: str | None) -> str | None:
    """`target` when it is a path on this site, else None (no open redirects). A control or
    space character refuses it too: a header value may not hold a line break, and browsers
    drop tabs and newlines from an address, which would turn `/\t/evil.example` into
    `//evil.example`."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or not target.isprintable()
        or any(character.isspace() for character in target)
    ):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def after_sign_in(target: str | None) -> tuple[str | None, bool]:
    """Where a sign-in asked for `target` lands, and whether it cut off a form: `target` when
    it is a page one can open (GET), else the nearest page above it on the path
    ("/hr/models/v6/promote/confirm" takes only forms: "/hr/models/v6"), else None; a form was
    cut off when `target` itself takes only forms (signing out aside)."""
    if target is None:
        return None, False
    urls = current_app.url_map.bind("localhost")
    path, _, query = target.partition("?")
    interrupted = False
    while path:
        try:
            urls.match(path, method="GET")
        except RequestRedirect as moved:  # the page's own address ends with a slash
            return urlsplit(moved.new_url).path + (f"?{query}" if query else ""), interrupted
        except MethodNotAllowed:
            if path == target.partition("?")[0]:
                endpoint, _ = urls.match(path, method="POST")
                interrupted = endpoint != "accounts.logout"
        except NotFound:
            pass
        else:
            return (f"{path}?{query}" if query else path), interrupted
        path, query = path.rsplit("/", 1)[0], ""
    return None, interrupted


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create an employee account and sign in."""
    if not current_app.config["REGISTRATION_OPEN"]:
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = RegisterForm()
    if form.is_submitted() and _address_throttled():
        # every registration from an address past its failures, whether or not the address
        # typed has an account: a 429 only for one that has would tell which have
        return render_template("accounts/throttled.html"), 429
    if form.validate_on_submit():
        user = User(
            email=normalise_email(form.email.data),
            name=form.name.data.strip(),
            role="employee",
            address_unconfirmed=True,  # nothing proves the address is theirs
        )
        user.set_password(form.password.data)
        if _added(user):
            audit.record("registered", user.email, actor=user)
            db.session.commit()
            sign_in(user)
            flash("Welcome to trackfit. Your account is ready.")
            return redirect(url_for("assessment.index"))
        form.email.errors.append(EMAIL_TAKEN)
    # "already an account" tells who has one: such a probe is counted as a failed login of
    # that account from this address, under the login's throttle, and is in the audit log
    if EMAIL_TAKEN in form.email.errors:
        if reserve_guess(form.email.data) is None:
            return render_template("accounts/throttled.html"), 429
        audit.record("registration_refused", normalise_email(form.email.data)[:200])
        db.session.commit()
    return render_template("accounts/register.html", form=form), 200 if not form.errors else 422


def _address_throttled() -> bool:
    """Whether this address has failed, logging in or registering, as often as it may."""
    since = utcnow() - timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
    return recent_failures(since, _client_address()) >= ADDRESS_FAILURES_ALLOWED


def _added(user: User) -> bool:
    """Commit a new account; False when a request at the same moment registered the address
    first (the form's check saw it free, the unique email column refuses the second)."""
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def sign_in(user: User) -> None:
    """Start a server-side session for the user in a fresh cookie: whatever the cookie held
    before (a CSRF token planted by someone else, say) is dropped."""
    session.clear()
    begin_session(user)
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with email and password; repeated failures are slowed down."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        attempt = reserve_guess(form.email.data)
        if attempt is None:
            return render_template("accounts/throttled.html"), 429
        user = User.by_email(form.email.data)
        if password_matches(user, form.password.data):
            attempt.succeeded = True
            user.store_password_stable(form.password.data)
            audit.record("login", user.email, actor=user)
            db.session.commit()
            sign_in(user)
            landing, interrupted = after_sign_in(local_target(request.args.get("next")))
            if interrupted:
                # the sign-in cut off a form sent to an address no one can open (a promotion
                # confirmed after the session ended): it was not done, and the page it came
                # from is where to do it again
                flash("You were signed out before that was done, so nothing changed: do it again.")
            return redirect(landing or url_for("home.index"))
        if user is not None:
            audit.record("login_failed", user.email)
            db.session.commit()
        form.password.errors.append("The email or password is not right.")
    status = 422 if form.errors else 200
    return render_template("accounts/login.html", form=form), status


def _client_address() -> str:
    return request.remote_addr or "unknown"


def reserve_guess(email: str) -> LoginAttempt | None:
    """This attempt, recorded, or None when the account or the address has failed too often:
    a login, a password typed again to change it or to delete the account, or a registration
    told the address has an account."""
    config = current_app.config
    return reserve_attempt(
        email,
        _client_address(),
        since=utcnow() - timedelta(seconds=config["LOGIN_WINDOW_SECONDS"]),
        allowed=(config["LOGIN_FAILURES_ALLOWED"], ADDRESS_FAILURES_ALLOWED),
    )


def session_already_ended(attempt: LoginAttempt):
    """A request whose session another request ended while it ran (the same button pressed
    twice: the first changed the password or deleted the account): nothing is done, the
    attempt it reserved is taken back (it counts as no guess), and the browser goes to the
    login page saying why, its cookie untouched: a browser that kept the first request's
    cookie is signed in (or out) as that request left it, and the login page sends one
    signed in on to the start page."""
    db.session.rollback()
    withdraw_attempt(attempt)
    return redirect(url_for("accounts.login", ended=1))


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out (a POST with a CSRF token, so no other site can log you out): the session ends
    on the server, so a copy of the cookie no longer signs anyone in."""
    if current_user.is_authenticated:
        audit.record("logout", current_user.email)
        end_session(current_user)
        db.session.commit()
    logout_user()
    session.clear()
    flash("You are logged out. Your answers are saved.")
    return redirect(url_for("home.index"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password; other sessions of this account end."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        # A wrong current password is a guess like a wrong login: the same throttle and count.
        attempt = reserve_guess(current_user.email)
        if attempt is None:
            return render_template("accounts/throttled.html"), 429
        user = current_user._get_current_object()
        # a second click of the button, or another tab, may have changed it a moment ago:
        # the session is seen open with the password of that moment, and claimed (ended: it
        # goes on under a new secret) only once the new hash is made, so no lock waits on one
        if not session_still_open(user):
            return session_already_ended(attempt)
        if not user.check_password(form.current.data):
            audit.record("password_change_failed", user.email)
            db.session.commit()
            form.current.errors.append("That is not your current password.")
        else:
            user.set_password(form.password.data)
            if not claim_session(user):
                return session_already_ended(attempt)
            attempt.succeeded = True
            end_other_sessions(user)
            audit.record("password_changed", user.email)
            db.session.commit()
            sign_in(user)
            flash("Your password is changed. Other sessions of your account are logged out.")
            return redirect(url_for("home.index"))
    status = 422 if form.errors else 200
    return render_template("accounts/password.html", form=form), status


@bp.route("/activate/<token>", methods=["GET", "POST"])
def activate(token: str):
    """An invited person chooses their password, then is signed in."""
    user = invited_user(token)
    if user is None:
        return render_template("accounts/invitation_invalid.html"), 404
    form = ActivateForm()
    if form.validate_on_submit():
        if not user.set_first_password(form.password.data):  # another request was first
            db.session.rollback()
            return render_template("accounts/invitation_invalid.html"), 404
        audit.record("login", user.email, actor=user, activated=True)
        end_other_sessions(user)
        db.session.commit()
        sign_in(user)
        flash("Welcome to trackfit. Your password is set.")
        return redirect(url_for("home.index"))
    status = 422 if form.errors else 200
    return render_template("accounts/activate.html", form=form, user=user), status


@login_manager.unauthorized_handler
def sign_in_first():
    """A signed-out visitor to a page is sent to log in, and back afterwards; a script (JSON
    preferred, or an address only scripts read) gets a 401 it can read, not a log-in page."""
    if wants_json():  # an address only scripts read among them
        return jsonify(error="Log in first: this needs a signed-in session.", status=401), 401
    flash(login_manager.login_message, login_manager.login_message_category)
    return redirect(login_url(login_manager.login_view, next_url=request.url))
