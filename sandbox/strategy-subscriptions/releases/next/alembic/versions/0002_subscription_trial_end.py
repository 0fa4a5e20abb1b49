"""user_subscriptions.trial_end (release `next`)

Revision ID: 0002_subscription_trial_end
Revises: 0001_initial
Create Date: 2025-01-15 09:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0002_subscription_trial_end"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("user_subscriptions", sa.Column("trial_end", sa.DateTime(timezone=True)))


def downgrade():
    op.drop_column("user_subscriptions", "trial_end")
