"""plan_features.limit_value NOT NULL, copied from `value` (release `bad-migration`): fails

It copies from plan_features.amount, a column that never existed: PostgreSQL refuses, and this
revision rolls back alone, after 0003 has committed.

Revision ID: 0004_features_not_null_limit
Revises: 0003_reprice_starter
Create Date: 2025-01-22 09:05:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0004_features_not_null_limit"
down_revision = "0003_reprice_starter"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("plan_features", sa.Column("limit_value", sa.Integer))
    op.execute("UPDATE plan_features SET limit_value = amount::integer")
    op.alter_column("plan_features", "limit_value", nullable=False)


def downgrade():
    op.drop_column("plan_features", "limit_value")
