"""Alembic environment: DATABASE_URL from .env, and one transaction per revision.

transaction_per_migration: a failing revision rolls back alone; the revisions before it stay
committed and recorded in alembic_version, so `alembic downgrade <revision>` can undo them.
"""

from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine

from app.config import required
from app.db import Base
from app import models  # noqa: F401 - registers the tables on Base.metadata

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)


def run_migrations_offline():
    context.configure(url=required("DATABASE_URL"), target_metadata=Base.metadata, literal_binds=True,
                      transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    engine = create_engine(required("DATABASE_URL"))
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
