#!/usr/bin/env python3
"""Judges a signed test callback with the providers' own libraries, never with Rollout's code.

Reads the request `rollout sign … --format json` prints ({"method","url","headers","body"}) on
stdin. A request with a Stripe-Signature header goes to stripe's `Webhook.construct_event`
(default 300 s tolerance); any other goes to paytr-python's `PayTRClient.parse_callback` with the
urlencoded body decoded as a form. Prints `accept …` and exits 0, or `reject: <reason>` and exits 1.

With --show PATH (repeatable; dotted, from the event, e.g. data.object.subscription) an accepted
Stripe event also prints one `PATH=<JSON value>` line per path, read from the object stripe parsed
(`<absent>` when the parsed object has no such field), so a test judges the payload's shape by
the library too, not only its signature.

Secrets come from the environment: STRIPE_WEBHOOK_SECRET, PAYTR_MERCHANT_KEY, PAYTR_MERCHANT_SALT
(names can be changed with --stripe-secret-env, --paytr-key-env, --paytr-salt-env).
Run it with the interpreter of .venv/ (scripts/python-env.sh creates it).
"""
import argparse
import json
import os
import sys
from urllib.parse import parse_qsl


def secret(name):
    value = os.environ.get(name)
    if not value:
        print(f"usage error: environment variable {name} is not set", file=sys.stderr)
        sys.exit(2)
    return value


def verify_stripe(body, header, args):
    import stripe

    try:
        event = stripe.Webhook.construct_event(body, header, secret(args.stripe_secret_env))
    except (stripe.SignatureVerificationError, ValueError) as error:
        return False, str(error).splitlines()[0]
    lines = [f"{event['type']} {event['id']} api_version={event['api_version']}"]
    for path in args.show:
        lines.append(f"{path}={shown(event, path)}")
    return True, "\n".join(lines)


def shown(event, path):
    # stripe's objects (StripeObject, not dict since stripe 8) index by key and raise KeyError.
    value = event
    for key in path.split("."):
        try:
            value = value[int(key)] if isinstance(value, list) else value[key]
        except (KeyError, IndexError, TypeError, ValueError):
            return "<absent>"
    return json.dumps(value, sort_keys=True, default=lambda o: o.to_dict() if hasattr(o, "to_dict") else str(o))


def verify_paytr(body, args):
    from paytr import PayTRClient
    from paytr.exceptions import PayTRSignatureError

    form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True))
    client = PayTRClient(
        merchant_id=form.get("merchant_id", "100001"),
        merchant_key=secret(args.paytr_key_env),
        merchant_salt=secret(args.paytr_salt_env),
    )
    try:
        callback = client.parse_callback(form)
    except PayTRSignatureError as error:
        return False, str(error)
    return True, f"{callback.status} {callback.merchant_oid} total_amount={callback.total_amount}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stripe-secret-env", default="STRIPE_WEBHOOK_SECRET")
    parser.add_argument("--paytr-key-env", default="PAYTR_MERCHANT_KEY")
    parser.add_argument("--paytr-salt-env", default="PAYTR_MERCHANT_SALT")
    parser.add_argument("--show", action="append", default=[], metavar="PATH")
    args = parser.parse_args()

    request = json.load(sys.stdin)
    headers = {name.lower(): value for name, value in request["headers"].items()}
    body = request["body"].encode("utf-8")
    if "stripe-signature" in headers:
        accepted, detail = verify_stripe(body, headers["stripe-signature"], args)
    else:
        accepted, detail = verify_paytr(body, args)
    print(("accept " if accepted else "reject: ") + detail)
    sys.exit(0 if accepted else 1)


if __name__ == "__main__":
    main()
