"""youarecoder: company workspaces billed monthly through PayTR.

Configuration comes from `.env` beside the app (read at start, so an edited `.env` takes effect
on restart): DATABASE_URL, SECRET_KEY, PAYTR_MERCHANT_ID, PAYTR_MERCHANT_KEY, PAYTR_MERCHANT_SALT,
PAYTR_TEST_MODE, PAYTR_TIMEOUT_LIMIT, PAYTR_GET_TOKEN_URL, BASE_URL. The running revision is the
first line of `REVISION` beside the app (written by the deploy), else APP_REVISION.
"""

import os

from dotenv import load_dotenv
from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

db = SQLAlchemy()
# One transaction per revision, as production runs it: a failing revision rolls back alone and
# the ones before it stay applied, recorded in alembic_version.
migrate = Migrate(transaction_per_migration=True, compare_type=True)


def required(name):
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"youarecoder: {name} is not set in {os.path.join(ROOT, '.env')}")
    return value


def revision():
    try:
        with open(os.path.join(ROOT, "REVISION")) as handle:
            return handle.readline().strip() or "unknown"
    except FileNotFoundError:
        return os.environ.get("APP_REVISION", "unknown")


def create_app():
    load_dotenv(os.path.join(ROOT, ".env"), override=True)
    app = Flask(__name__)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=required("DATABASE_URL"),
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        SECRET_KEY=required("SECRET_KEY"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(ROOT, "migrations"))

    from . import auth, billing, health

    app.register_blueprint(health.blueprint)
    app.register_blueprint(auth.blueprint)
    app.register_blueprint(billing.blueprint)
    return app
