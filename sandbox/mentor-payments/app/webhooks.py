"""What each Stripe event does to bookings, payments and balances, once per event id.

Every event is handled in one transaction that starts by recording its id in webhook_events: a
resent event (Stripe retries, or "Resend" in the dashboard) finds its id there and changes
nothing, even when both deliveries arrive at once (the second waits on the first's row).
"""

import logging

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from .config import split
from .db import Session
from .models import Booking, MentorBalance, Payment, WebhookEvent, now

log = logging.getLogger("mentor.payments")


def handle_event(event):
    with Session.begin() as session:
        first = session.execute(
            insert(WebhookEvent).values(event_id=event["id"], type=event["type"]).on_conflict_do_nothing().returning(WebhookEvent.event_id)
        ).scalar_one_or_none()
        if first is None:
            return "already_processed"
        handler = HANDLERS.get(event["type"])
        if handler is None:
            return "ignored"
        return handler(session, event["id"], event["data"]["object"])


def metadata_int(obj, key):
    try:
        return int((obj.get("metadata") or {}).get(key))
    except (TypeError, ValueError):
        return None


def credit(session, mentor_id, amount):
    session.execute(
        insert(MentorBalance).values(mentor_id=mentor_id, balance=amount, updated_at=now())
        .on_conflict_do_update(index_elements=[MentorBalance.mentor_id],
                               set_={"balance": MentorBalance.balance + amount, "updated_at": now()})
    )


def payment_for(session, intent_id):
    return session.execute(select(Payment).filter_by(payment_intent_id=intent_id).with_for_update()).scalar_one_or_none()


def booking_for(session, intent):
    booking_id = metadata_int(intent, "booking_id")
    return session.get(Booking, booking_id, with_for_update=True) if booking_id else None


def payment_succeeded(session, event_id, intent):
    amount = int(intent.get("amount_received") or intent["amount"])
    fee, payout = split(amount)
    booking = booking_for(session, intent)
    mentor_id = booking.mentor_id if booking else metadata_int(intent, "mentor_id")
    payment = payment_for(session, intent["id"])
    if payment is not None and payment.status != "failed":
        return "already_processed"
    if payment is None:
        payment = Payment(payment_intent_id=intent["id"])
        session.add(payment)
    payment.booking_id = booking.id if booking else None
    payment.mentor_id = mentor_id
    payment.webhook_event_id = event_id
    payment.webhook_processed = True
    payment.amount, payment.platform_fee, payment.mentor_payout = amount, fee, payout
    payment.currency = intent["currency"]
    payment.status = "succeeded"
    payment.failure_message = None
    if booking is not None:
        booking.status = "completed"
    if mentor_id is not None:
        credit(session, mentor_id, payout)
    else:
        log.warning("payment %s has no booking_id or mentor_id in its metadata: nobody credited", intent["id"])
    return "processed"


def payment_failed(session, event_id, intent):
    amount = int(intent["amount"])
    fee, payout = split(amount)
    booking = booking_for(session, intent)
    payment = payment_for(session, intent["id"])
    if payment is not None:
        return "already_processed"
    error = intent.get("last_payment_error") or {}
    session.add(Payment(payment_intent_id=intent["id"], booking_id=booking.id if booking else None,
                        mentor_id=booking.mentor_id if booking else metadata_int(intent, "mentor_id"),
                        webhook_event_id=event_id, webhook_processed=True, amount=amount, platform_fee=fee,
                        mentor_payout=payout, currency=intent["currency"], status="failed",
                        failure_message=(error.get("message") or "")[:255]))
    if booking is not None and booking.status == "pending_payment":
        booking.status = "payment_failed"
    return "processed"


def charge_refunded(session, event_id, charge):
    payment = payment_for(session, charge.get("payment_intent") or "")
    if payment is None or payment.status not in ("succeeded", "partially_refunded"):
        log.warning("refund for unknown or unpaid payment %s", charge.get("payment_intent"))
        return "ignored"
    refunded = min(int(charge["amount_refunded"]), payment.amount)
    newly = refunded - payment.amount_refunded
    if newly <= 0:
        return "already_processed"
    # The mentor gives back their share of what was refunded; the platform its fee on it.
    previous_fee, _ = split(payment.amount_refunded)
    fee, _ = split(refunded)
    mentor_share = newly - (fee - previous_fee)
    payment.amount_refunded = refunded
    payment.status = "refunded" if refunded == payment.amount else "partially_refunded"
    if payment.mentor_id is not None:
        credit(session, payment.mentor_id, -mentor_share)
    if payment.booking_id is not None and payment.status == "refunded":
        session.get(Booking, payment.booking_id).status = "refunded"
    return "processed"


HANDLERS = {
    "payment_intent.succeeded": payment_succeeded,
    "payment_intent.payment_failed": payment_failed,
    "charge.refunded": charge_refunded,
}
