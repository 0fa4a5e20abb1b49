"""The mentor platform's payment backend: bookings paid through Stripe PaymentIntents, a 10 %
platform fee, and each mentor's balance credited with the other 90 % when Stripe says so.

Run: `uvicorn app.main:app --host HOST --port PORT` (systemd unit `mentor-platform-backend`, or
the compose file). Tables are created at start-up.
"""

import json
import logging
from contextlib import asynccontextmanager

import stripe
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select, text
from starlette.concurrency import run_in_threadpool

from .config import required, revision, split
from .db import Session
from .models import Booking, MentorBalance, Payment
from .schema import ensure_schema
from .webhooks import handle_event

log = logging.getLogger("mentor.payments")


@asynccontextmanager
async def lifespan(_app):
    ensure_schema()
    required("STRIPE_WEBHOOK_SECRET")
    yield


app = FastAPI(title="mentor platform payments", lifespan=lifespan)


@app.get("/health")
def health():
    try:
        with Session() as session:
            session.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any database failure means "not healthy"
        return JSONResponse({"status": "error", "revision": revision(), "error": type(error).__name__}, status_code=503)
    return {"status": "ok", "revision": revision()}


class NewBooking(BaseModel):
    mentor_id: int = Field(gt=0)
    mentee_id: int = Field(gt=0)
    amount: int = Field(gt=0, description="minor units, e.g. cents")
    currency: str = Field(default="usd", min_length=3, max_length=3)


@app.post("/bookings", status_code=201)
def create_booking(booking: NewBooking):
    with Session.begin() as session:
        row = Booking(mentor_id=booking.mentor_id, mentee_id=booking.mentee_id, amount=booking.amount,
                      currency=booking.currency.lower(), status="pending_payment")
        session.add(row)
        session.flush()
        return {"id": row.id, "status": row.status, "amount": row.amount, "currency": row.currency}


@app.get("/bookings/{booking_id}")
def get_booking(booking_id: int):
    with Session() as session:
        row = session.get(Booking, booking_id)
        if row is None:
            raise HTTPException(404, "no such booking")
        return {"id": row.id, "mentor_id": row.mentor_id, "status": row.status, "amount": row.amount, "currency": row.currency}


@app.get("/mentors/{mentor_id}/balance")
def mentor_balance(mentor_id: int):
    with Session() as session:
        row = session.get(MentorBalance, mentor_id)
        return {"mentor_id": mentor_id, "balance": row.balance if row else 0}


@app.get("/payments/test-commission")
def test_commission(amount: int):
    fee, payout = split(amount)
    return {"amount": amount, "platform_fee": fee, "mentor_payout": payout}


@app.get("/payments/{payment_intent_id}")
def get_payment(payment_intent_id: str):
    with Session() as session:
        row = session.execute(select(Payment).filter_by(payment_intent_id=payment_intent_id)).scalar_one_or_none()
        if row is None:
            raise HTTPException(404, "no such payment")
        return {"payment_intent_id": row.payment_intent_id, "status": row.status, "amount": row.amount,
                "platform_fee": row.platform_fee, "mentor_payout": row.mentor_payout,
                "amount_refunded": row.amount_refunded, "webhook_event_id": row.webhook_event_id}


@app.post("/payments/webhook")
async def stripe_webhook(request: Request):
    # The raw bytes, exactly as sent: a parsed and re-serialised body no longer matches the signature.
    payload = await request.body()
    try:
        event = stripe.Webhook.construct_event(payload, request.headers.get("stripe-signature", ""), required("STRIPE_WEBHOOK_SECRET"))
    except ValueError:
        log.warning("stripe webhook: body is not a JSON event")
        return JSONResponse({"error": "invalid payload"}, status_code=400)
    except stripe.SignatureVerificationError:
        log.warning("stripe webhook: invalid signature")
        return JSONResponse({"error": "invalid signature"}, status_code=400)
    # Plain dicts from the verified bytes: stripe 16's StripeObject refuses dict methods like .get().
    status = await run_in_threadpool(handle_event, json.loads(payload))
    log.info("stripe webhook %s %s: %s", event["id"], event["type"], status)
    return {"status": status, "event_id": event["id"]}
