"""fiscal_nf2122: log of the automatic generation (billing, settlement, bulk job)

Revision ID: 0003_fiscal_auto
Revises: 0002_fiscal_nfcom
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_fiscal_auto'
down_revision = '0002_fiscal_nfcom'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('fiscal_generation_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('origin', sa.String(length=12), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('settlement_id', sa.Integer(), nullable=True),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('message', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("origin IN ('faturamento', 'liquidacao', 'lote')", name=op.f('ck_fiscal_generation_log_origin_valid')),
    sa.CheckConstraint("outcome IN ('gerado', 'aguarda', 'falhou', 'cancelado')", name=op.f('ck_fiscal_generation_log_outcome_valid')),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_fiscal_generation_log_company_id_company')),
    sa.ForeignKeyConstraint(['document_id'], ['fiscal_document.id'], name=op.f('fk_fiscal_generation_log_document_id_fiscal_document')),
    sa.ForeignKeyConstraint(['invoice_id'], ['receivables_invoice.id'], name=op.f('fk_fiscal_generation_log_invoice_id_receivables_invoice')),
    sa.ForeignKeyConstraint(['settlement_id'], ['receivables_settlement.id'], name=op.f('fk_fiscal_generation_log_settlement_id_receivables_settlement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fiscal_generation_log'))
    )
    op.create_index('ix_fiscal_generation_log_invoice', 'fiscal_generation_log', ['invoice_id'], unique=False)
    op.create_index('ix_fiscal_generation_log_outcome', 'fiscal_generation_log', ['outcome', 'company_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_fiscal_generation_log_outcome', table_name='fiscal_generation_log')
    op.drop_index('ix_fiscal_generation_log_invoice', table_name='fiscal_generation_log')
    op.drop_table('fiscal_generation_log')
