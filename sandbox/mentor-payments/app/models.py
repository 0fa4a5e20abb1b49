"""Bookings, their payments and each mentor's balance."""

from datetime import datetime, timezone

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base


def now():
    return datetime.now(timezone.utc)


class Booking(Base):
    __tablename__ = "bookings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mentor_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    mentee_id: Mapped[int] = mapped_column(Integer, nullable=False)
    amount: Mapped[int] = mapped_column(BigInteger, nullable=False)  # minor units
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    # pending_payment, completed, payment_failed, refunded
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="pending_payment")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=now)


class Payment(Base):
    __tablename__ = "payments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"))
    mentor_id: Mapped[int | None] = mapped_column(Integer)
    payment_intent_id: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    # The event that settled this payment: a resent event finds it and changes nothing.
    webhook_event_id: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    webhook_processed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    amount: Mapped[int] = mapped_column(BigInteger, nullable=False)
    platform_fee: Mapped[int] = mapped_column(BigInteger, nullable=False)
    mentor_payout: Mapped[int] = mapped_column(BigInteger, nullable=False)
    amount_refunded: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)  # succeeded, failed, refunded, partially_refunded
    failure_message: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=now)


class MentorBalance(Base):
    __tablename__ = "mentor_balances"
    mentor_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    balance: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=now)


class WebhookEvent(Base):
    """Every Stripe event handled, by id: the first delivery wins, a resent one is only acknowledged."""

    __tablename__ = "webhook_events"
    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(80), nullable=False)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=now)
