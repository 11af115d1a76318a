"""Sign in, sign out, sign up (applicants)."""
from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from engine.clock import utcnow
from handlers.accounts import (
    TooManyAttempts,
    WrongPassword,
    authenticate,
    change_password,
    create_user,
    find_by_email,
    revoke_sessions,
)
from handlers.administration import AdminProblem, people, run

from .bootstrap import get_engine
from .extensions import begin_write, db
from .security import SESSION_VERSION, LoginUser, current

bp = Blueprint("auth", __name__, url_prefix="/auth")


class LoginForm(FlaskForm):
    email = EmailField("email", validators=[DataRequired(), Email()])
    password = PasswordField("password", validators=[DataRequired()])


class SignupForm(FlaskForm):
    full_name = StringField("full_name", validators=[DataRequired(), Length(min=3, max=200)])
    email = EmailField("email", validators=[DataRequired(), Email()])
    password = PasswordField("password", validators=[DataRequired(), Length(min=10, max=200)])
    confirm = PasswordField("confirm", validators=[DataRequired(), EqualTo("password")])


def _sign_in(user: LoginUser) -> None:
    lang = session.get("lang")
    session.clear()  # a new session on every login: no fixation
    if lang:
        session["lang"] = lang
    session[SESSION_VERSION] = user.session_version  # revoked when the account's version moves on
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
def login():  # noqa: ANN201
    form = LoginForm()
    if request.method == "GET":
        return render_template("auth/login.html", form=form)
    if form.validate_on_submit():
        begin_write()
        try:
            user = authenticate(db.session(), form.email.data or "", form.password.data or "",
                                ip=request.remote_addr or "-")  # the proxy's client address (ProxyFix)
        except TooManyAttempts as exc:
            flash(_("Trop de tentatives : réessayez dans %(minutes)s minutes.", minutes=exc.seconds // 60 + 1), "error")
            return render_template("auth/login.html", form=form), 429, {"Retry-After": str(exc.seconds)}
        if user is not None:
            _sign_in(LoginUser.of(user))
            return redirect(url_for("public.index"))
    flash(_("Adresse ou mot de passe incorrect."), "error")
    return render_template("auth/login.html", form=form), 401


@bp.post("/logout")
def logout():  # noqa: ANN201
    """Sign out everywhere: every copy of this session, the account's other sessions and its
    Bearer tokens stop working (a cookie copied before is refused after)."""
    user = current()
    if user is not None:
        revoke_sessions(db.session(), user.id)
    logout_user()
    session.clear()
    return redirect(url_for("public.index"))


class PasswordForm(FlaskForm):
    current = PasswordField("current", validators=[DataRequired()])
    password = PasswordField("password", validators=[DataRequired(), Length(min=10, max=200)])
    confirm = PasswordField("confirm", validators=[DataRequired(), EqualTo("password")])


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():  # noqa: ANN201
    """Change one's password: every other session and token of the account ends."""
    form = PasswordForm()
    if form.validate_on_submit():
        user: LoginUser = current_user._get_current_object()  # the object, not Flask-Login's proxy
        try:
            version = change_password(db.session(), user.id, form.current.data or "", form.password.data or "")
        except WrongPassword:
            flash(_("Le mot de passe actuel est incorrect."), "error")
            return render_template("auth/password.html", form=form), 400
        _sign_in(replace(user, session_version=version))  # this session goes on, with the new version
        flash(_("Mot de passe modifié : vos autres sessions sont fermées."), "success")
        return redirect(url_for("public.index"))
    return render_template("auth/password.html", form=form), 200 if not form.errors else 400


@bp.route("/signup", methods=["GET", "POST"])
def signup():  # noqa: ANN201
    form = SignupForm()
    if form.validate_on_submit():
        begin_write()
        if find_by_email(db.session(), form.email.data or "") is not None:
            flash(_("Un compte existe déjà avec cette adresse."), "error")
        else:
            user = create_user(db.session(), email=form.email.data or "", full_name=form.full_name.data or "",
                               password=form.password.data, grants=[("applicant", None, None)], now=utcnow(),
                               locale=session.get("lang", "fr"))
            db.session.commit()
            _sign_in(LoginUser.of(user))
            flash(_("Bienvenue ! Vous pouvez déposer votre premier dossier."), "success")
            return redirect(url_for("applicant.dossiers"))
    return render_template("auth/signup.html", form=form), 200 if not form.errors else 400


@bp.route("/welcome/<token>", methods=["GET", "POST"])
def welcome(token: str):  # noqa: ANN201
    """The one-time link of an invitation or a reset: choose a password, then sign in. The
    link is spent by its first use; a used, expired or unknown link is refused (404)."""
    lang = session.get("lang", "fr")
    token = token[:100]
    if request.method == "GET":
        try:
            run(get_engine(current_app), people.invitation, token, utcnow())
        except AdminProblem as problem:
            return render_template("error.html", status=404, message=problem.text(lang), fields={}), 404
        return render_template("auth/welcome.html", token=token)
    db.session.rollback()  # the use case runs in the engine's own transaction
    try:
        run(get_engine(current_app), people.accept, token, request.form.get("password", ""),
            request.form.get("confirm", ""), utcnow())
    except AdminProblem as problem:
        if problem.status == 404:
            return render_template("error.html", status=404, message=problem.text(lang), fields={}), 404
        flash(problem.text(lang), "error")
        return render_template("auth/welcome.html", token=token), problem.status
    flash(_("Votre mot de passe est enregistré : connectez-vous."), "success")
    return redirect(url_for("auth.login"))
