"""Billing: the dashboard, PayTR iframe checkout (STEP 1) and PayTR's notification (STEP 2).

The notification is verified by paytr-python's `parse_callback`. PayTR re-sends it until it reads
exactly `OK`, and may send it twice: only the first notification for a `merchant_oid` changes
anything, later ones are answered `OK` and ignored.
"""

import json
import logging
import os
import secrets
import urllib.parse
import urllib.request
from datetime import timedelta

from flask import Blueprint, Response, jsonify, render_template_string, request
from paytr import PayTRClient
from paytr._base import encode_basket
from paytr.exceptions import PayTRSignatureError
from paytr.iframe_api import iframe_url

from . import db, required
from .auth import current_user, login_required
from .models import Invoice, Payment, Subscription, now
from .plans import CURRENCY, PERIOD_DAYS, PLANS

blueprint = Blueprint("billing", __name__, url_prefix="/billing")
log = logging.getLogger("youarecoder.billing")

DASHBOARD = """<!doctype html><title>youarecoder: billing</title><h1>Billing for {{ company.name }}</h1>
<p id="subscription">Plan: {{ subscription.plan }} - status: <b>{{ subscription.status }}</b></p>
<h2>Plans</h2><ul>{% for key, plan in plans.items() %}<li>{{ plan.name }}: ${{ plan.price_usd }}/month
<form method="post" action="/billing/subscribe/{{ key }}"><button>Subscribe</button></form></li>{% endfor %}</ul>
<h2>Invoices</h2><ul>{% for invoice in invoices %}<li>{{ invoice.invoice_number }}: {{ '%.2f' % (invoice.amount / 100) }} {{ invoice.currency }}</li>{% endfor %}</ul>"""

CHECKOUT = """<!doctype html><title>youarecoder: pay</title><h1>{{ plan.name }}: ${{ plan.price_usd }}/month</h1>
<input type="hidden" name="merchant_oid" value="{{ merchant_oid }}">
<script src="https://www.paytr.com/js/iframeResizer.min.js?v2"></script>
<iframe src="{{ src }}" id="paytriframe" frameborder="0" scrolling="no" style="width: 100%;"></iframe>
<script>iFrameResize({},'#paytriframe');</script>"""


def paytr_client():
    return PayTRClient(
        merchant_id=required("PAYTR_MERCHANT_ID"),
        merchant_key=required("PAYTR_MERCHANT_KEY"),
        merchant_salt=required("PAYTR_MERCHANT_SALT"),
    )


@blueprint.get("/")
@login_required
def index():
    user = current_user()
    subscription = db.session.execute(db.select(Subscription).filter_by(company_id=user.company_id)).scalar_one()
    invoices = db.session.execute(db.select(Invoice).filter_by(company_id=user.company_id).order_by(Invoice.id)).scalars().all()
    return render_template_string(DASHBOARD, company=user.company, subscription=subscription, invoices=invoices, plans=PLANS)


@blueprint.get("/payment/success")
def payment_success():
    return "Payment received. Your subscription is activated as soon as PayTR confirms it.", 200


@blueprint.get("/payment/fail")
def payment_fail():
    return "The payment did not go through. No money was taken; you can try again.", 200


@blueprint.post("/subscribe/<plan_key>")
@login_required
def subscribe(plan_key):
    plan = PLANS.get(plan_key)
    if plan is None:
        return jsonify(error=f"unknown plan {plan_key!r}", plans=sorted(PLANS)), 400
    user = current_user()
    subscription = db.session.execute(db.select(Subscription).filter_by(company_id=user.company_id)).scalar_one()
    # Letters and digits only: PayTR echoes merchant_oid back and refuses anything else.
    merchant_oid = f"YAC{user.company_id}{secrets.token_hex(8).upper()}"
    amount = plan["price_usd"] * 100
    payment = Payment(company_id=user.company_id, subscription_id=subscription.id, paytr_merchant_oid=merchant_oid,
                      plan=plan_key, amount=amount, currency=CURRENCY, status="pending")
    db.session.add(payment)
    db.session.commit()

    client = paytr_client()
    user_ip = request.headers.get("X-Forwarded-For", request.remote_addr or "127.0.0.1").split(",")[0].strip()
    basket = encode_basket([(f"youarecoder {plan['name']}", f"{plan['price_usd']:.2f}", 1)])
    test_mode = "0" if setting("PAYTR_TEST_MODE", "1") == "0" else "1"
    no_installment, max_installment, currency = "1", "0", CURRENCY
    # STEP 1 token, by the library's own signer: merchant_id + user_ip + merchant_oid + email +
    # payment_amount + user_basket + no_installment + max_installment + currency + test_mode.
    paytr_token = client._token(client.merchant_id, user_ip, merchant_oid, user.email, amount, basket,
                                no_installment, max_installment, currency, test_mode)
    fields = {
        "merchant_id": client.merchant_id, "user_ip": user_ip, "merchant_oid": merchant_oid, "email": user.email,
        "payment_amount": amount, "paytr_token": paytr_token, "user_basket": basket, "debug_on": "0",
        "no_installment": no_installment, "max_installment": max_installment, "user_name": user.company.name,
        "user_address": "-", "user_phone": "-", "currency": currency, "test_mode": test_mode, "lang": "en",
        "merchant_ok_url": base_url() + "/billing/payment/success", "merchant_fail_url": base_url() + "/billing/payment/fail",
        "timeout_limit": setting("PAYTR_TIMEOUT_LIMIT", "30"),
    }
    token = get_iframe_token(fields)
    log.info("payment started oid=%s plan=%s company=%s", merchant_oid, plan_key, user.company_id)
    if request.accept_mimetypes.best == "application/json":
        return jsonify(merchant_oid=merchant_oid, amount=amount, currency=currency, iframe_url=iframe_url(token))
    return render_template_string(CHECKOUT, plan=plan, merchant_oid=merchant_oid, src=iframe_url(token))


def setting(name, default):
    return os.environ.get(name) or default


def base_url():
    return setting("BASE_URL", request.host_url.rstrip("/")).rstrip("/")


def get_iframe_token(fields):
    """PayTR's get-token answer, or, without PAYTR_GET_TOKEN_URL (a sandbox with no route to
    PayTR), the signed paytr_token itself so the page still renders."""
    url = setting("PAYTR_GET_TOKEN_URL", "")
    if not url:
        return fields["paytr_token"]
    body = urllib.parse.urlencode(fields).encode()
    with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=20) as response:
        answer = json.load(response)
    if answer.get("status") != "success":
        raise RuntimeError(f"PayTR get-token failed: {answer.get('reason')}")
    return answer["token"]


@blueprint.post("/callback")
def callback():
    try:
        notification = paytr_client().parse_callback(request.form)
    except PayTRSignatureError as error:
        log.warning("payment callback rejected: %s", error)
        return Response("PAYTR notification failed: bad hash", status=400, mimetype="text/plain")
    # Row lock: with 4 workers a duplicate notification can arrive while the first is handled.
    payment = db.session.execute(
        db.select(Payment).filter_by(paytr_merchant_oid=notification.merchant_oid).with_for_update()
    ).scalar_one_or_none()
    if payment is None:
        log.warning("payment callback for unknown oid=%s, acknowledged", notification.merchant_oid)
    elif payment.status != "pending":
        log.info("payment callback oid=%s repeated, already %s", payment.paytr_merchant_oid, payment.status)
    elif notification.is_success:
        settle(payment)
    else:
        payment.status = "failed"
        payment.failure_reason_code = notification.failed_reason_code
        payment.failure_reason_message = notification.error_message[:255]
        payment.completed_at = now()
        log.info("payment callback oid=%s failed code=%s", payment.paytr_merchant_oid, payment.failure_reason_code)
    db.session.commit()
    return Response("OK", status=200, mimetype="text/plain")


def settle(payment):
    """Marks the payment paid, activates the subscription for one period and writes its invoice."""
    start = now()
    end = start + timedelta(days=PERIOD_DAYS)
    payment.status = "success"
    payment.completed_at = start
    subscription = db.session.get(Subscription, payment.subscription_id, with_for_update=True)
    subscription.plan = payment.plan
    subscription.status = "active"
    subscription.current_period_start = start
    subscription.current_period_end = end
    db.session.flush()
    db.session.add(Invoice(company_id=payment.company_id, payment_id=payment.id, amount=payment.amount,
                           currency=payment.currency, period_start=start, period_end=end,
                           invoice_number=f"INV-{start:%Y%m}-{payment.id:06d}"))
    log.info("payment callback oid=%s settled, subscription %s active", payment.paytr_merchant_oid, subscription.id)
