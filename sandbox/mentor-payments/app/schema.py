"""The schema, made at start-up as the mentor platform always has: `create_all` creates the tables
that are missing and never alters one that exists."""

from . import models  # noqa: F401 - registers the tables on Base.metadata
from .db import Base, engine


def ensure_schema():
    Base.metadata.create_all(engine)
