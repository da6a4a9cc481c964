"""reconciliation batch credit: the group a reconciliation matched (retorno credited as one line)

Revision ID: 0004_reconciliation_batch
Revises: 0003_reconciliation_from_line
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_reconciliation_batch'
down_revision = '0003_reconciliation_from_line'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('reconciliation_reconciliation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('batch_key', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('batch_label', sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('reconciliation_reconciliation', schema=None) as batch_op:
        batch_op.drop_column('batch_label')
        batch_op.drop_column('batch_key')
