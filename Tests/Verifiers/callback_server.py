#!/usr/bin/env python3
"""An HTTP endpoint on 127.0.0.1 that judges signed callbacks with the providers' own libraries.

POST /stripe: stripe's `Webhook.construct_event` (default 300 s tolerance) with the secret in
STRIPE_WEBHOOK_SECRET. POST /stripe-idempotent verifies the same way and answers JSON
{"status": "processed"} for an event id's first delivery, "already_processed" for a repeat.
`?delay_ms=N` on any POST answers N ms later (for latency expectations). POST /paytr: paytr-python's `PayTRClient.parse_callback` with the key and
salt in PAYTR_MERCHANT_KEY / PAYTR_MERCHANT_SALT. Each answers 200 "OK" for a valid signature and
400 with the library's reason otherwise. GET /seen returns JSON: how many were accepted and
rejected, how often each accepted event id / merchant_oid arrived, and how often each Stripe
`metadata.order_id` did (under "orders"). POST /stripe?show=PATH (repeatable; dotted from the
event, e.g. data.object.subscription) adds one `PATH=<JSON value>` line per path after the "OK",
read from the object stripe parsed (`<absent>` when it has no such field), so a test can judge
the payload's shape by the library, not only its signature.

Prints its port once listening; exits when its stdin closes (the test process went away).
Run it with the interpreter of .venv/ (scripts/python-env.sh creates it).
"""
import http.server
import json
import os
import socketserver
import threading
import time
from urllib.parse import parse_qs, parse_qsl, urlsplit

import stripe
from paytr import PayTRClient
from paytr.exceptions import PayTRSignatureError
from loopback import bind_reachable, live_with_parent
from verify_callback import shown

live_with_parent()
lock = threading.Lock()
seen = {"accepted": 0, "rejected": 0, "ids": {}, "orders": {}}



def verify_stripe(body, header):
    try:
        event = stripe.Webhook.construct_event(body, header, os.environ["STRIPE_WEBHOOK_SECRET"])
    except (stripe.SignatureVerificationError, ValueError) as error:
        return None, str(error).splitlines()[0]
    # Read from the body the library just verified: a StripeObject is not a dict.
    order = (json.loads(body).get("data", {}).get("object", {}).get("metadata") or {}).get("order_id")
    if order is not None:
        with lock:
            seen["orders"][order] = seen["orders"].get(order, 0) + 1
    return event, None


def verify_paytr(body):
    form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    client = PayTRClient(
        merchant_id=form.get("merchant_id", "100001"),
        merchant_key=os.environ["PAYTR_MERCHANT_KEY"],
        merchant_salt=os.environ["PAYTR_MERCHANT_SALT"],
    )
    try:
        callback = client.parse_callback(form)
    except (PayTRSignatureError, KeyError, ValueError) as error:
        return None, str(error) or type(error).__name__
    return callback.merchant_oid, None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # One write per response: headers and body written apart meet Nagle and the client's 40 ms
    # delayed ACK on a reused connection.
    wbufsize = 65536

    def log_message(self, *args):
        pass

    def reply(self, status, body):
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain" if status != 200 or self.command == "POST" else "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/seen":
            with lock:
                self.reply(200, json.dumps(seen))
        else:
            self.reply(404, "not found")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        url = urlsplit(self.path)
        path = url.path
        delay = dict(parse_qsl(url.query)).get("delay_ms")
        if delay:
            time.sleep(int(delay) / 1000)
        answer = "OK"
        if path in ("/stripe", "/stripe-idempotent"):
            event, reason = verify_stripe(body, self.headers.get("Stripe-Signature", ""))
            event_id = event["id"] if event is not None else None
            if event is not None:
                answer += "".join(f"\n{shown_path}={shown(event, shown_path)}" for shown_path in parse_qs(url.query).get("show", []))
        elif path == "/paytr":
            event_id, reason = verify_paytr(body)
        else:
            self.reply(404, "not found")
            return
        with lock:
            if event_id is None:
                seen["rejected"] += 1
            else:
                seen["accepted"] += 1
                seen["ids"][event_id] = seen["ids"].get(event_id, 0) + 1
            times = seen["ids"].get(event_id, 0)
        if event_id is None:
            self.reply(400, "rejected: " + reason)
        elif path == "/stripe-idempotent":
            # As an idempotent webhook handler answers: the first delivery is processed, a
            # repeat of the same event id is acknowledged without booking it again.
            self.reply(200, json.dumps({"status": "processed" if times == 1 else "already_processed"}))
        else:
            self.reply(200, answer)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 64


server = bind_reachable(Server, Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
