"""The schema, made at start-up as the mentor platform always has: `create_all` creates the tables
that are missing and never alters one that exists.

Release `next` adds payout_requests: a mentor asks for (part of) their balance to be paid out.
"""

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Integer, String, Table, func

from . import models  # noqa: F401 - registers the tables on Base.metadata
from .db import Base, engine

payout_requests = Table(
    "payout_requests", Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("mentor_id", Integer, ForeignKey("mentor_balances.mentor_id"), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("status", String(20), nullable=False, server_default="requested"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


def ensure_schema():
    Base.metadata.create_all(engine)
