"""companies.billing_email, filled from each company's first user (release `bad-migration`)

This revision is fine and commits on its own (transaction_per_migration): the data it writes is
what a rollback has to undo with `flask db downgrade 0002_invoice_pdf_url`.

Revision ID: 0003_company_billing_email
Revises: 0002_invoice_pdf_url
Create Date: 2025-11-10 09:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0003_company_billing_email"
down_revision = "0002_invoice_pdf_url"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("companies", sa.Column("billing_email", sa.String(255)))
    op.execute(
        "UPDATE companies c SET billing_email = "
        "(SELECT u.email FROM users u WHERE u.company_id = c.id ORDER BY u.id LIMIT 1)"
    )


def downgrade():
    op.drop_column("companies", "billing_email")
