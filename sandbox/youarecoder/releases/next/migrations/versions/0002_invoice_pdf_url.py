"""invoices.pdf_url: where the invoice PDF will be stored (release `next`)

Revision ID: 0002_invoice_pdf_url
Revises: 0001_initial
Create Date: 2025-11-03 09:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0002_invoice_pdf_url"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("invoices", sa.Column("pdf_url", sa.String(255)))


def downgrade():
    op.drop_column("invoices", "pdf_url")
