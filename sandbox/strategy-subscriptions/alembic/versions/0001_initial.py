"""users, subscription plans and features, user subscriptions, audit log

Revision ID: 0001_initial
Revises:
Create Date: 2025-01-08 09:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(255), nullable=False, unique=True),
        sa.Column("stripe_customer_id", sa.String(255), unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "subscription_plans",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(40), nullable=False, unique=True),
        sa.Column("display_name", sa.String(80), nullable=False),
        sa.Column("price_monthly", sa.Numeric(10, 2), nullable=False),
        sa.Column("price_yearly", sa.Numeric(10, 2), nullable=False),
        sa.Column("stripe_price_monthly", sa.String(255)),
        sa.Column("stripe_price_yearly", sa.String(255)),
        sa.Column("is_active", sa.Boolean, nullable=False),
    )
    op.create_table(
        "plan_features",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("plan_id", sa.Integer, sa.ForeignKey("subscription_plans.id", ondelete="CASCADE"), nullable=False),
        sa.Column("feature_key", sa.String(80), nullable=False),
        sa.Column("value", sa.String(80), nullable=False),
        sa.UniqueConstraint("plan_id", "feature_key"),
    )
    op.create_table(
        "user_subscriptions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, unique=True),
        sa.Column("plan_id", sa.Integer, sa.ForeignKey("subscription_plans.id"), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("billing_cycle", sa.String(10), nullable=False),
        sa.Column("stripe_subscription_id", sa.String(255), unique=True),
        sa.Column("current_period_end", sa.DateTime(timezone=True)),
        sa.Column("cancel_at_period_end", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "audit_logs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("stripe_event_id", sa.String(255), unique=True),
        sa.Column("action", sa.String(80), nullable=False),
        sa.Column("user_id", sa.Integer),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade():
    for table in ("audit_logs", "user_subscriptions", "plan_features", "subscription_plans", "users"):
        op.drop_table(table)
