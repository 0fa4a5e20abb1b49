"""What each Stripe event does to users and their subscriptions, once per event id.

Each event is handled in one transaction that starts by writing its audit_logs row (the event id
is unique): a resent event finds its row and changes nothing. After the commit the user's
entitlements cache is deleted whenever the subscription changed.

Fields that moved between Stripe API versions are read from both places: since 2025-03-31.basil
an invoice names its subscription under parent.subscription_details.subscription (before:
invoice.subscription) and a subscription's current_period_end sits on its items (before: on the
subscription).
"""

import logging
import re
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from . import cache
from .config import price_ids
from .db import Session
from .models import AuditLog, SubscriptionPlan, User, UserSubscription, now

log = logging.getLogger("strategy.billing")


def handle_event(event):
    """'processed', 'already_processed' or 'ignored'."""
    if cache.webhook_processed(event["id"]):
        return "already_processed"
    handler = HANDLERS.get(event["type"])
    with Session.begin() as session:
        audit_id = session.execute(
            insert(AuditLog).values(stripe_event_id=event["id"], action=f"stripe:{event['type']}", detail={}, created_at=now())
            .on_conflict_do_nothing().returning(AuditLog.id)
        ).scalar_one_or_none()
        if audit_id is None:
            return "already_processed"
        if handler is None:
            outcome, user_id = "ignored", None
        else:
            outcome, user_id = handler(session, event["data"]["object"])
        audit = session.get(AuditLog, audit_id)
        audit.user_id = user_id
        audit.detail = {"outcome": outcome, "object": event["data"]["object"].get("id")}
    cache.mark_webhook_processed(event["id"])
    if user_id is not None and outcome == "subscription_changed":
        cache.invalidate_entitlements_cache(user_id)
    return "processed" if handler else "ignored"


def timestamp(value):
    return datetime.fromtimestamp(int(value), timezone.utc) if value else None


def plan_named(session, name):
    return session.execute(select(SubscriptionPlan).filter_by(name=name)).scalar_one_or_none()


def user_by_customer(session, customer_id):
    if not customer_id:
        return None
    return session.execute(select(User).filter_by(stripe_customer_id=customer_id).with_for_update()).scalar_one_or_none()


def subscription_of(session, user_id):
    return session.execute(select(UserSubscription).filter_by(user_id=user_id).with_for_update()).scalar_one_or_none()


def upsert_subscription(session, user, plan, **fields):
    subscription = subscription_of(session, user.id)
    if subscription is None:
        subscription = UserSubscription(user_id=user.id, plan_id=plan.id, status="active")
        session.add(subscription)
    subscription.plan_id = plan.id
    for name, value in fields.items():
        setattr(subscription, name, value)
    subscription.updated_at = now()


def checkout_session_completed(session, checkout):
    reference = str(checkout.get("client_reference_id") or "")
    digits = re.search(r"(\d+)$", reference)
    user = session.get(User, int(digits.group(1)), with_for_update=True) if digits else None
    if user is None:
        email = (checkout.get("customer_details") or {}).get("email")
        user = session.execute(select(User).filter_by(email=email).with_for_update()).scalar_one_or_none() if email else None
    if user is None:
        log.warning("checkout %s for an unknown user (client_reference_id=%r)", checkout.get("id"), reference)
        return "unknown_user", None
    if checkout.get("customer"):
        user.stripe_customer_id = checkout["customer"]
    metadata = checkout.get("metadata") or {}
    plan = plan_named(session, metadata.get("plan_name", ""))
    if checkout.get("mode") != "subscription" and plan is None:
        return "not_a_subscription", user.id
    if plan is None:
        log.warning("checkout %s names no known plan_name in its metadata", checkout.get("id"))
        return "unknown_plan", user.id
    upsert_subscription(session, user, plan, status="active", billing_cycle=metadata.get("billing_cycle", "monthly"),
                        stripe_subscription_id=checkout.get("subscription"), cancel_at_period_end=False)
    return "subscription_changed", user.id


def plan_of(session, subscription):
    items = (subscription.get("items") or {}).get("data") or []
    price = (items[0].get("price") or {}) if items else {}
    known = price_ids().get(price.get("id"))
    if known:
        return plan_named(session, known[0]), known[1]
    name = (subscription.get("metadata") or {}).get("plan_name")
    return (plan_named(session, name), (subscription.get("metadata") or {}).get("billing_cycle", "monthly")) if name else (None, None)


def subscription_updated(session, subscription):
    user = user_by_customer(session, subscription.get("customer"))
    if user is None:
        log.warning("subscription %s for unknown customer %s", subscription.get("id"), subscription.get("customer"))
        return "unknown_user", None
    plan, cycle = plan_of(session, subscription)
    current = subscription_of(session, user.id)
    if plan is None:
        if current is None:
            return "unknown_plan", user.id
        plan = session.get(SubscriptionPlan, current.plan_id)
        cycle = current.billing_cycle
    items = (subscription.get("items") or {}).get("data") or []
    period_end = (items[0].get("current_period_end") if items else None) or subscription.get("current_period_end")
    upsert_subscription(session, user, plan, status=subscription.get("status", "active"), billing_cycle=cycle,
                        stripe_subscription_id=subscription.get("id"), current_period_end=timestamp(period_end),
                        cancel_at_period_end=bool(subscription.get("cancel_at_period_end")))
    return "subscription_changed", user.id


def subscription_deleted(session, subscription):
    user = user_by_customer(session, subscription.get("customer"))
    current = subscription_of(session, user.id) if user else None
    if current is None:
        return "unknown_subscription", user.id if user else None
    current.status = "canceled"
    current.plan_id = plan_named(session, "free").id
    current.cancel_at_period_end = False
    current.updated_at = now()
    return "subscription_changed", user.id


def invoice_subscription_id(invoice):
    parent = invoice.get("parent") or {}
    return ((parent.get("subscription_details") or {}).get("subscription")) or invoice.get("subscription")


def invoice_event(status):
    def handle(session, invoice):
        user = user_by_customer(session, invoice.get("customer"))
        current = subscription_of(session, user.id) if user else None
        if current is None:
            return "unknown_subscription", user.id if user else None
        sub_id = invoice_subscription_id(invoice)
        if sub_id and current.stripe_subscription_id and sub_id != current.stripe_subscription_id:
            return "other_subscription", user.id
        if current.status == status:
            return "unchanged", user.id
        current.status = status
        current.updated_at = now()
        return "subscription_changed", user.id

    return handle


def customer_updated(session, customer):
    user = user_by_customer(session, customer.get("id"))
    if user is None:
        return "unknown_user", None
    if customer.get("email"):
        user.email = customer["email"]
    return "customer_updated", user.id


HANDLERS = {
    "checkout.session.completed": checkout_session_completed,
    "customer.subscription.updated": subscription_updated,
    "customer.subscription.deleted": subscription_deleted,
    "invoice.payment_succeeded": invoice_event("active"),
    "invoice.payment_failed": invoice_event("past_due"),
    "customer.updated": customer_updated,
}
