"""reconciliation: items created from a statement line (nova fatura a receber / a pagar / transferência)

Revision ID: 0003_reconciliation_from_line
Revises: 0002_reconciliation_rules
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_reconciliation_from_line'
down_revision = '0002_reconciliation_rules'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('reconciliation_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_object', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('payable_installment_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('payable_writeoff_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_reconciliation_item_payable_installment_id'), ['payable_installment_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('reconciliation_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reconciliation_item_payable_installment_id'))
        batch_op.drop_column('payable_writeoff_id')
        batch_op.drop_column('payable_installment_id')
        batch_op.drop_column('created_object')
