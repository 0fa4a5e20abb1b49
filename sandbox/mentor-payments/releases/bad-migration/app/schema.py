"""The schema, made at start-up as the mentor platform always has: `create_all` creates the tables
that are missing and never alters one that exists.

Release `bad-migration`: a start-up fix-up in two steps, each committed on its own. The first
upper-cases every payment's currency (data changed, committed); the second converts balances to
a column that does not exist and fails, so the app never starts and the data stays changed.
Only the pre-deploy backup brings the old rows back.
"""

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Integer, String, Table, func, text

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
    with engine.begin() as connection:
        connection.execute(text("UPDATE payments SET currency = upper(currency)"))
        connection.execute(text("UPDATE bookings SET currency = upper(currency)"))
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE mentor_balances ALTER COLUMN balance TYPE numeric(12,2) USING balance_cents / 100.0"))
