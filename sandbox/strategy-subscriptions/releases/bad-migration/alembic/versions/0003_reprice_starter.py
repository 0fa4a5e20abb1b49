"""Starter goes from 19.99 to 24.99 a month; the old price is kept in legacy_price_monthly
(release `bad-migration`)

This revision is fine and commits on its own (transaction_per_migration): the price it changes is
what a rollback has to undo with `alembic downgrade 0002_subscription_trial_end`.

Revision ID: 0003_reprice_starter
Revises: 0002_subscription_trial_end
Create Date: 2025-01-22 09:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0003_reprice_starter"
down_revision = "0002_subscription_trial_end"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("subscription_plans", sa.Column("legacy_price_monthly", sa.Numeric(10, 2)))
    op.execute("UPDATE subscription_plans SET legacy_price_monthly = price_monthly, price_monthly = 24.99 WHERE name = 'starter'")


def downgrade():
    op.execute("UPDATE subscription_plans SET price_monthly = legacy_price_monthly WHERE legacy_price_monthly IS NOT NULL")
    op.drop_column("subscription_plans", "legacy_price_monthly")
