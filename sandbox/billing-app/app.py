"""Reference billing app for Rollout's sandbox.

A small Flask service shaped like the apps Rollout's runbooks deploy: a PayTR notification
endpoint and a Stripe webhook endpoint, each verified with the provider's official library
(paytr-python, stripe), payments stored once per provider id in PostgreSQL with a 10 % platform
fee split so that fee + payout == amount.

Configuration comes from `.env` in the working directory (read at start, so an edited `.env`
takes effect on restart): DATABASE_URL, PAYTR_MERCHANT_ID, PAYTR_MERCHANT_KEY, PAYTR_MERCHANT_SALT,
STRIPE_WEBHOOK_SECRET, APP_REVISION, PORT.
"""

import json
import os

import psycopg2
import stripe
from dotenv import load_dotenv
from flask import Flask, Response, jsonify, redirect, request
from paytr import PayTRClient
from paytr.exceptions import PayTRSignatureError

load_dotenv(os.path.join(os.getcwd(), ".env"), override=True)

app = Flask(__name__)
PLATFORM_FEE_PERCENT = 10


def config(name, default=None):
    value = os.environ.get(name, default)
    if value is None:
        raise SystemExit(f"billing-app: {name} is not set in .env")
    return value


def db():
    return psycopg2.connect(config("DATABASE_URL"))


def split(amount_minor):
    fee = (amount_minor * PLATFORM_FEE_PERCENT + 50) // 100
    return fee, amount_minor - fee


def record_payment(provider, external_id, amount_minor, currency, status):
    """Inserts one payment per (provider, external_id); a resent notification changes nothing."""
    fee, payout = split(amount_minor)
    with db() as conn, conn.cursor() as cur:
        cur.execute(
            """INSERT INTO payments (provider, external_id, amount_minor, fee_minor, payout_minor, currency, status)
               VALUES (%s, %s, %s, %s, %s, %s, %s)
               ON CONFLICT (provider, external_id) DO NOTHING""",
            (provider, external_id, amount_minor, fee, payout, currency, status),
        )


@app.get("/health")
def health():
    with db() as conn, conn.cursor() as cur:
        cur.execute("SELECT 1")
    return jsonify(status="ok", revision=os.environ.get("APP_REVISION", "unknown"))


@app.get("/billing/")
def billing_home():
    return redirect("/auth/login?next=/billing/", code=302)


@app.get("/billing/payment/success")
def payment_success():
    return "Payment received. Thank you.", 200


@app.post("/billing/callback")
def paytr_callback():
    client = PayTRClient(
        merchant_id=config("PAYTR_MERCHANT_ID"),
        merchant_key=config("PAYTR_MERCHANT_KEY"),
        merchant_salt=config("PAYTR_MERCHANT_SALT"),
    )
    try:
        cb = client.parse_callback(request.form)
    except PayTRSignatureError:
        return Response("PAYTR notification failed: bad hash", status=400, mimetype="text/plain")
    if cb.is_success and cb.paid_minor_units is not None:
        record_payment("paytr", cb.merchant_oid, cb.paid_minor_units, cb.raw.get("currency", "TL"), "succeeded")
    return Response("OK", status=200, mimetype="text/plain")


@app.post("/stripe/webhook")
def stripe_webhook():
    try:
        event = stripe.Webhook.construct_event(
            request.get_data(), request.headers.get("Stripe-Signature", ""), config("STRIPE_WEBHOOK_SECRET")
        )
    except (ValueError, stripe.SignatureVerificationError) as error:
        return jsonify(error=type(error).__name__), 400
    with db() as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO stripe_events (event_id, type) VALUES (%s, %s) ON CONFLICT DO NOTHING",
            (event["id"], event["type"]),
        )
        first_delivery = cur.rowcount == 1
    if first_delivery and event["type"] == "payment_intent.succeeded":
        intent = event["data"]["object"]
        record_payment("stripe", intent["id"], int(intent["amount_received"]), intent["currency"], "succeeded")
    return jsonify(received=True, duplicate=not first_delivery)


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(config("PORT", "8080")), threaded=True)
