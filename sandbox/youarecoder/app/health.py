"""`GET /health`: the running revision and the database's migration revision, 503 when the
database cannot be reached. A deploy waits on it for the revision it just installed."""

from flask import Blueprint, jsonify
from sqlalchemy import text

from . import db, revision

blueprint = Blueprint("health", __name__)


@blueprint.get("/health")
def health():
    try:
        schema = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception as error:  # noqa: BLE001 - any database failure means "not healthy"
        db.session.rollback()
        return jsonify(status="error", revision=revision(), error=type(error).__name__), 503
    return jsonify(status="ok", revision=revision(), schema=schema)
