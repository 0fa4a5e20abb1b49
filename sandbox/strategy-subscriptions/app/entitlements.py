"""What a user may do: their plan's features, read from the database or the Redis cache."""

from sqlalchemy import select

from . import cache
from .db import Session
from .models import PlanFeature, SubscriptionPlan, UserSubscription


def entitlements(user_id):
    """(answer, cached): the cached answer when Redis has one, else a fresh one, then cached."""
    cached = cache.get(user_id)
    if cached is not None:
        return cached, True
    with Session() as session:
        subscription = session.execute(select(UserSubscription).filter_by(user_id=user_id)).scalar_one_or_none()
        if subscription is None or subscription.status == "canceled":
            plan = session.execute(select(SubscriptionPlan).filter_by(name="free")).scalar_one()
            status, cycle, period_end = ("canceled" if subscription else "none"), "monthly", None
        else:
            plan = session.get(SubscriptionPlan, subscription.plan_id)
            status, cycle, period_end = subscription.status, subscription.billing_cycle, subscription.current_period_end
        features = session.execute(select(PlanFeature).filter_by(plan_id=plan.id).order_by(PlanFeature.id)).scalars().all()
        answer = {
            "user_id": user_id,
            "plan": plan.name,
            "status": status,
            "billing_cycle": cycle,
            "current_period_end": period_end.isoformat() if period_end else None,
            "features": {feature.feature_key: feature.value for feature in features},
        }
    cache.put(user_id, answer)
    return answer, False
