"""Sign-up, sign-in and sign-out with a session cookie."""

import functools
import re
from datetime import timedelta

from flask import Blueprint, redirect, render_template_string, request, session, url_for
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from . import db
from .models import Company, Subscription, User, now
from .plans import TRIAL_DAYS

blueprint = Blueprint("auth", __name__, url_prefix="/auth")

FORM = """<!doctype html><title>youarecoder: {{ title }}</title>
<h1>{{ title }}</h1>{% if error %}<p class="error">{{ error }}</p>{% endif %}
<form method="post">
{% if register %}<label>Company <input name="company"></label>{% endif %}
<label>Email <input name="email" type="email"></label>
<label>Password <input name="password" type="password"></label>
<button>{{ title }}</button></form>"""


def current_user():
    user_id = session.get("user_id")
    return db.session.get(User, user_id) if user_id else None


def login_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if current_user() is None:
            return redirect(url_for("auth.login", next=request.path), code=302)
        return view(*args, **kwargs)

    return wrapped


def safe_next(target):
    # Only paths on this site: an open redirect would hand the session to anyone's page.
    return target if target and target.startswith("/") and not target.startswith("//") else url_for("billing.index")


@blueprint.route("/register", methods=["GET", "POST"])
def register():
    if request.method == "GET":
        return render_template_string(FORM, title="Sign up", register=True)
    email = request.form.get("email", "").strip().lower()
    password = request.form.get("password", "")
    company_name = request.form.get("company", "").strip()
    if not email or len(password) < 8 or not company_name:
        return render_template_string(FORM, title="Sign up", register=True,
                                      error="company, email and a password of 8+ characters are required"), 400
    subdomain = re.sub(r"[^a-z0-9]+", "-", company_name.lower()).strip("-")[:50] or "company"
    company = Company(name=company_name, subdomain=f"{subdomain}-{email.split('@')[0][:8]}")
    db.session.add(company)
    db.session.add(User(email=email, password_hash=generate_password_hash(password, method="pbkdf2:sha256"), company=company))
    # Every new company starts on a 14-day Starter trial.
    db.session.add(Subscription(company=company, plan="starter", status="trial", trial_ends_at=now() + timedelta(days=TRIAL_DAYS)))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return render_template_string(FORM, title="Sign up", register=True, error="that email or company is taken"), 409
    session.clear()
    session["user_id"] = db.session.execute(db.select(User.id).filter_by(email=email)).scalar_one()
    return redirect(url_for("billing.index"), code=302)


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template_string(FORM, title="Sign in", register=False)
    email = request.form.get("email", "").strip().lower()
    user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one_or_none()
    if user is None or not check_password_hash(user.password_hash, request.form.get("password", "")):
        return render_template_string(FORM, title="Sign in", register=False, error="wrong email or password"), 401
    session.clear()
    session["user_id"] = user.id
    return redirect(safe_next(request.args.get("next")), code=302)


@blueprint.route("/logout", methods=["GET", "POST"])
def logout():
    session.clear()
    return redirect(url_for("auth.login"), code=302)
