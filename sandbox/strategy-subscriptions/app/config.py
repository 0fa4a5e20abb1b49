"""Settings from `.env` beside the app (read at start: an edited `.env` takes effect on restart)."""

import os

from dotenv import load_dotenv

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
load_dotenv(os.path.join(ROOT, ".env"), override=True)


def required(name):
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"strategy-subscriptions: {name} is not set in {os.path.join(ROOT, '.env')}")
    return value


def setting(name, default):
    return os.environ.get(name) or default


def revision():
    """The deployed revision: the first line of REVISION beside the app, else APP_REVISION."""
    try:
        with open(os.path.join(ROOT, "REVISION")) as handle:
            return handle.readline().strip() or "unknown"
    except FileNotFoundError:
        return os.environ.get("APP_REVISION", "unknown")


# Stripe price id -> (plan name, billing cycle); the ids are the ones seed_plans.py stores.
def price_ids():
    return {
        setting("STRIPE_PRICE_FREE_MONTHLY", "price_free_monthly"): ("free", "monthly"),
        setting("STRIPE_PRICE_STARTER_MONTHLY", "price_starter_monthly"): ("starter", "monthly"),
        setting("STRIPE_PRICE_STARTER_YEARLY", "price_starter_yearly"): ("starter", "yearly"),
        setting("STRIPE_PRICE_PRO_MONTHLY", "price_pro_monthly"): ("pro", "monthly"),
        setting("STRIPE_PRICE_PRO_YEARLY", "price_pro_yearly"): ("pro", "yearly"),
    }
