"""The engine and session factory, built from DATABASE_URL."""

from sqlalchemy import create_engine
from sqlalchemy.orm import DeclarativeBase, sessionmaker

from .config import required

engine = create_engine(required("DATABASE_URL"), pool_pre_ping=True, pool_size=10, max_overflow=20)
Session = sessionmaker(engine, expire_on_commit=False)


class Base(DeclarativeBase):
    pass
