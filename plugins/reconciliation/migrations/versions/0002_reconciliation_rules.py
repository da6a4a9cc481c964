"""reconciliation user rules ("Cadastro de Regras"), item.rule_id, origin "regra"

Revision ID: 0002_reconciliation_rules
Revises: 0001_reconciliation
"""
from alembic import op
import sqlalchemy as sa


revision = '0002_reconciliation_rules'
down_revision = '0001_reconciliation'
branch_labels = None
depends_on = None

OLD_ORIGINS = "origin IN ('automatica', 'sugestao', 'manual')"
NEW_ORIGINS = "origin IN ('automatica', 'sugestao', 'manual', 'regra')"


def _origins(old: str, new: str) -> None:
    # On SQLite batch mode rebuilds the table (core.migrate runs it with foreign keys off, so the
    # statement lines and items that point at it are kept); elsewhere the constraint is altered.
    with op.batch_alter_table('reconciliation_reconciliation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_reconciliation_reconciliation_origin_valid'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_reconciliation_reconciliation_origin_valid'), sa.text(new))


def upgrade() -> None:
    op.create_table('reconciliation_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('bank_account_id', sa.Integer(), nullable=True),
    sa.Column('direction', sa.String(length=8), nullable=False),
    sa.Column('amount_min', sa.BigInteger(), nullable=True),
    sa.Column('amount_max', sa.BigInteger(), nullable=True),
    sa.Column('text_mode', sa.String(length=8), nullable=False),
    sa.Column('text', sa.String(length=255), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=12), nullable=False),
    sa.Column('ledger_account_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('cost_centre_id', sa.Integer(), nullable=True),
    sa.Column('tolerance', sa.BigInteger(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("action IN ('conciliar', 'classificar')", name=op.f('ck_reconciliation_rule_action_valid')),
    sa.CheckConstraint("direction IN ('credito', 'debito', 'ambos')", name=op.f('ck_reconciliation_rule_direction_valid')),
    sa.CheckConstraint("text_mode IN ('', 'contem', 'regex')", name=op.f('ck_reconciliation_rule_text_mode_valid')),
    sa.ForeignKeyConstraint(['bank_account_id'], ['ledger_account.id'], name=op.f('fk_reconciliation_rule_bank_account_id_ledger_account')),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_reconciliation_rule_company_id_company')),
    sa.ForeignKeyConstraint(['cost_centre_id'], ['ledger_cost_centre.id'], name=op.f('fk_reconciliation_rule_cost_centre_id_ledger_cost_centre')),
    sa.ForeignKeyConstraint(['ledger_account_id'], ['ledger_account.id'], name=op.f('fk_reconciliation_rule_ledger_account_id_ledger_account')),
    sa.ForeignKeyConstraint(['party_id'], ['party.id'], name=op.f('fk_reconciliation_rule_party_id_party')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliation_rule'))
    )
    with op.batch_alter_table('reconciliation_rule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reconciliation_rule_company_id'), ['company_id'], unique=False)

    with op.batch_alter_table('reconciliation_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rule_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_reconciliation_item_rule_id'), ['rule_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_reconciliation_item_rule_id_reconciliation_rule'), 'reconciliation_rule', ['rule_id'], ['id'])

    _origins(OLD_ORIGINS, NEW_ORIGINS)


def downgrade() -> None:
    op.execute("UPDATE reconciliation_reconciliation SET origin = 'manual' WHERE origin = 'regra'")
    _origins(NEW_ORIGINS, OLD_ORIGINS)
    with op.batch_alter_table('reconciliation_item', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_reconciliation_item_rule_id_reconciliation_rule'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_reconciliation_item_rule_id'))
        batch_op.drop_column('rule_id')

    op.drop_table('reconciliation_rule')
