"""Settings from `.env` beside the app (read at start: an edited `.env` takes effect on restart).

Release `wont-start`: payouts through Stripe Connect need STRIPE_CONNECT_CLIENT_ID, which no .env
has, so the import of this module fails with a KeyError traceback and uvicorn exits.
"""

import os

from dotenv import load_dotenv

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
load_dotenv(os.path.join(ROOT, ".env"), override=True)

# 10 % to the platform, the rest to the mentor: platform_fee + mentor_payout == amount, always.
PLATFORM_COMMISSION_RATE_PERCENT = 10
STRIPE_CONNECT_CLIENT_ID = os.environ["STRIPE_CONNECT_CLIENT_ID"]


def required(name):
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"mentor-payments: {name} is not set in {os.path.join(ROOT, '.env')}")
    return value


def revision():
    """The deployed revision: the first line of REVISION beside the app, else APP_REVISION."""
    try:
        with open(os.path.join(ROOT, "REVISION")) as handle:
            return handle.readline().strip() or "unknown"
    except FileNotFoundError:
        return os.environ.get("APP_REVISION", "unknown")


def split(amount):
    """(platform_fee, mentor_payout) in minor units; the fee rounds half up, the payout takes the rest."""
    fee = (amount * PLATFORM_COMMISSION_RATE_PERCENT + 50) // 100
    return fee, amount - fee
