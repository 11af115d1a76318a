"""Sign in, sign out, sign up (applicants)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from engine.clock import utcnow
from handlers.accounts import TooManyAttempts, authenticate, create_user, find_by_email

from .extensions import begin_write, db
from .security import LoginUser

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
    logout_user()
    session.clear()
    return redirect(url_for("public.index"))


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
