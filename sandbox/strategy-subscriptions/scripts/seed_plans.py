"""Seeds the subscription plans and their features: `python scripts/seed_plans.py`.

Idempotent: an existing plan is updated in place (prices, Stripe price ids, features), so it is
safe to run on every deploy. Stripe price ids come from STRIPE_PRICE_* in .env.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import delete, select  # noqa: E402

from app.config import setting  # noqa: E402
from app.db import Session  # noqa: E402
from app.models import PlanFeature, SubscriptionPlan  # noqa: E402

PLANS = [
    ("free", "Free Plan", "0.00", "0.00", "STRIPE_PRICE_FREE_MONTHLY", None, {
        "strategies": "3", "backtests_per_day": "5", "indicators": "basic", "data_history_years": "1",
        "alerts": "5", "paper_trading": "true", "support": "community",
    }),
    ("starter", "Starter Plan", "19.99", "199.99", "STRIPE_PRICE_STARTER_MONTHLY", "STRIPE_PRICE_STARTER_YEARLY", {
        "strategies": "20", "backtests_per_day": "50", "indicators": "all", "data_history_years": "5",
        "alerts": "50", "paper_trading": "true", "support": "email",
    }),
    ("pro", "Pro Plan", "49.99", "479.99", "STRIPE_PRICE_PRO_MONTHLY", "STRIPE_PRICE_PRO_YEARLY", {
        "strategies": "unlimited", "backtests_per_day": "unlimited", "indicators": "all", "data_history_years": "20",
        "alerts": "unlimited", "paper_trading": "true", "support": "priority", "live_trading": "true", "api_access": "true",
    }),
]


def main():
    print("=" * 70)
    print("Subscription Plans Seed Script")
    print("=" * 70)
    print("\nSeeding subscription plans...")
    with Session.begin() as session:
        for name, display, monthly, yearly, monthly_env, yearly_env, features in PLANS:
            plan = session.execute(select(SubscriptionPlan).filter_by(name=name)).scalar_one_or_none()
            verb = "Updated" if plan else "Created"
            if plan is None:
                plan = SubscriptionPlan(name=name)
                session.add(plan)
            plan.display_name, plan.price_monthly, plan.price_yearly, plan.is_active = display, monthly, yearly, True
            plan.stripe_price_monthly = setting(monthly_env, monthly_env.lower().replace("stripe_", ""))
            plan.stripe_price_yearly = setting(yearly_env, yearly_env.lower().replace("stripe_", "")) if yearly_env else None
            session.flush()
            session.execute(delete(PlanFeature).where(PlanFeature.plan_id == plan.id))
            session.add_all(PlanFeature(plan_id=plan.id, feature_key=key, value=value) for key, value in features.items())
            print(f"  \u2713 {verb} {display.split()[0]} plan with {len(features)} features")
    print(f"\n\u2713 Successfully seeded {len(PLANS)} subscription plans")
    print("\n" + "=" * 70)
    print("Seed completed successfully!")
    print("=" * 70)


if __name__ == "__main__":
    main()
