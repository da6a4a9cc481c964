"""bank_profiles: index for the reconciler's batch-credit lookup

Revision ID: 0002_bank_profiles_credit_index
Revises: 0001_bank_profiles

`retorno_credits.batch_credits` looks up the liquidated títulos (outcome) credited in a period
(data_credito, else data_ocorrencia): two ranges of (outcome, data_credito, data_ocorrencia).
"""
from alembic import op


revision = '0002_bank_profiles_credit_index'
down_revision = '0001_bank_profiles'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('bank_profiles_retorno_item', schema=None) as batch_op:
        batch_op.create_index('ix_bank_profiles_retorno_item_credit', ['outcome', 'data_credito', 'data_ocorrencia'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('bank_profiles_retorno_item', schema=None) as batch_op:
        batch_op.drop_index('ix_bank_profiles_retorno_item_credit')
