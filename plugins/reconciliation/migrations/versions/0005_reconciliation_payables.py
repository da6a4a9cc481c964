"""reconciliation: debit lines × payables (suggestions of payables / transfers, replaced write-off)

Revision ID: 0005_reconciliation_payables
Revises: 0004_reconciliation_batch
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_reconciliation_payables'
down_revision = '0004_reconciliation_batch'
branch_labels = None
depends_on = None

ONE_TARGET = ("(CASE WHEN invoice_id IS NULL THEN 0 ELSE 1 END) + "
              "(CASE WHEN payable_installment_id IS NULL THEN 0 ELSE 1 END) + "
              "(CASE WHEN transfer_id IS NULL THEN 0 ELSE 1 END) = 1")


def upgrade() -> None:
    with op.batch_alter_table('reconciliation_suggestion', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payable_installment_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('payable_writeoff_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('transfer_id', sa.Integer(), nullable=True))
        batch_op.alter_column('invoice_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_reconciliation_suggestion_transfer_id_reconciliation_transfer'),
                                    'reconciliation_transfer', ['transfer_id'], ['id'])
        batch_op.create_check_constraint(op.f('ck_reconciliation_suggestion_one_target'), ONE_TARGET)
        batch_op.create_check_constraint(op.f('ck_reconciliation_suggestion_writeoff_has_installment'),
                                         'payable_writeoff_id IS NULL OR payable_installment_id IS NOT NULL')
    with op.batch_alter_table('reconciliation_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replaced_payable_writeoff_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('reconciliation_item', schema=None) as batch_op:
        batch_op.drop_column('replaced_payable_writeoff_id')
    op.execute("DELETE FROM reconciliation_suggestion WHERE invoice_id IS NULL")
    with op.batch_alter_table('reconciliation_suggestion', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_reconciliation_suggestion_writeoff_has_installment'), type_='check')
        batch_op.drop_constraint(op.f('ck_reconciliation_suggestion_one_target'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_reconciliation_suggestion_transfer_id_reconciliation_transfer'),
                                 type_='foreignkey')
        batch_op.alter_column('invoice_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('transfer_id')
        batch_op.drop_column('payable_writeoff_id')
        batch_op.drop_column('payable_installment_id')
