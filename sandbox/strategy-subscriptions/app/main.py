"""Smart Strategies Builder's billing API: Stripe subscriptions (Free, Starter, Pro), the
webhook Stripe calls, and each user's entitlements served from a Redis cache.

Run: `uvicorn app.main:app --host HOST --port PORT` after `alembic upgrade head` and
`python scripts/seed_plans.py`.
"""

import json
import logging

import stripe
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from . import cache
from .auth import current_user_id
from .config import required, revision
from .db import Session
from .entitlements import entitlements
from .webhooks import handle_event

log = logging.getLogger("strategy.billing")
API = "/api/v1"

app = FastAPI(title="Smart Strategies Builder billing")


@app.get("/health")
def health():
    try:
        with Session() as session:
            schema = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        cache.client.ping()
    except Exception as error:  # noqa: BLE001 - a database or Redis failure means "not healthy"
        return JSONResponse({"status": "error", "revision": revision(), "error": type(error).__name__}, status_code=503)
    return {"status": "ok", "revision": revision(), "schema": schema}


@app.get(API + "/billing/subscription")
def subscription(user_id: int = Depends(current_user_id)):
    answer, cached = entitlements(user_id)
    return {**answer, "cached": cached}


@app.post(API + "/billing/webhooks/stripe")
async def stripe_webhook(request: Request):
    # The raw bytes, exactly as sent: a parsed and re-serialised body no longer matches the signature.
    payload = await request.body()
    try:
        stripe.Webhook.construct_event(payload, request.headers.get("stripe-signature", ""), required("STRIPE_WEBHOOK_SECRET"))
    except ValueError:
        log.warning("stripe_webhook_invalid_payload")
        return JSONResponse({"error": "invalid payload"}, status_code=400)
    except stripe.SignatureVerificationError:
        log.warning("stripe_webhook_invalid_signature")
        return JSONResponse({"error": "invalid signature"}, status_code=400)
    # Plain dicts from the verified bytes: stripe 16's StripeObject refuses dict methods like .get().
    event = json.loads(payload)
    status = await run_in_threadpool(handle_event, event)
    log.info("stripe_webhook_handled %s %s: %s", event["id"], event["type"], status)
    return {"status": status, "event_id": event["id"]}
