"""rename payments.amount_usd to amount_cents (release `bad-migration`): fails

The column was never called amount_usd, so PostgreSQL refuses the rename and this revision rolls
back alone, after 0003 has committed.

Revision ID: 0004_payments_amount_cents
Revises: 0003_company_billing_email
Create Date: 2025-11-10 09:05:00
"""
from alembic import op

revision = "0004_payments_amount_cents"
down_revision = "0003_company_billing_email"
branch_labels = None
depends_on = None


def upgrade():
    op.alter_column("payments", "amount_usd", new_column_name="amount_cents")


def downgrade():
    op.alter_column("payments", "amount_cents", new_column_name="amount_usd")
