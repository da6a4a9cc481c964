"""fiscal_nf2122: NFCom (modelo 62) — fiscal_nfcom, item cClass, modelo 62 allowed

Revision ID: 0002_fiscal_nfcom
Revises: 0001_fiscal_nf2122
"""
from alembic import op
import sqlalchemy as sa


revision = '0002_fiscal_nfcom'
down_revision = '0001_fiscal_nf2122'
branch_labels = None
depends_on = None


def _model_check(values: str) -> None:
    # SQLite recreates the table (batch); the partial unique indexes are reflected with their WHERE
    with op.batch_alter_table('fiscal_document', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_fiscal_document_model_valid'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_fiscal_document_model_valid'), sa.text(f'model IN ({values})'))


def upgrade() -> None:
    _model_check('21, 22, 62')
    with op.batch_alter_table('fiscal_document_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cclass', sa.String(length=7), nullable=True))

    op.create_table('fiscal_nfcom',
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('chave', sa.String(length=44), nullable=False),
    sa.Column('cnf', sa.String(length=7), nullable=False),
    sa.Column('tp_emis', sa.Integer(), nullable=False),
    sa.Column('tp_amb', sa.Integer(), nullable=False),
    sa.Column('fin_nfcom', sa.Integer(), nullable=False),
    sa.Column('emitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('estado', sa.String(length=12), nullable=False),
    sa.Column('xml_assinado', sa.LargeBinary(), nullable=False),
    sa.Column('qrcode', sa.String(length=1000), nullable=False),
    sa.Column('contingencia_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('contingencia_motivo', sa.String(length=256), nullable=True),
    sa.Column('sub_chave', sa.String(length=44), nullable=True),
    sa.Column('sub_motivo', sa.String(length=2), nullable=True),
    sa.Column('c_stat', sa.String(length=4), nullable=True),
    sa.Column('x_motivo', sa.String(length=500), nullable=True),
    sa.Column('n_prot', sa.String(length=20), nullable=True),
    sa.Column('dh_recbto', sa.String(length=30), nullable=True),
    sa.Column('nfcom_proc', sa.LargeBinary(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('authorized_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_n_prot', sa.String(length=20), nullable=True),
    sa.Column('cancel_c_stat', sa.String(length=4), nullable=True),
    sa.Column('cancel_x_just', sa.String(length=255), nullable=True),
    sa.Column('cancel_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_xml', sa.LargeBinary(), nullable=True),
    sa.CheckConstraint("estado IN ('aguardando', 'autorizada', 'rejeitada', 'contingencia', 'cancelada', 'substituida')",
                       name=op.f('ck_fiscal_nfcom_estado_valid')),
    sa.CheckConstraint('tp_amb IN (1, 2)', name=op.f('ck_fiscal_nfcom_tp_amb_valid')),
    sa.CheckConstraint('tp_emis IN (1, 2)', name=op.f('ck_fiscal_nfcom_tp_emis_valid')),
    sa.ForeignKeyConstraint(['document_id'], ['fiscal_document.id'],
                            name=op.f('fk_fiscal_nfcom_document_id_fiscal_document'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('document_id', name=op.f('pk_fiscal_nfcom')),
    sa.UniqueConstraint('chave', name=op.f('uq_fiscal_nfcom_chave')),
    info={'owner': 'fiscal_nf2122'}
    )
    with op.batch_alter_table('fiscal_nfcom', schema=None) as batch_op:
        batch_op.create_index('ix_fiscal_nfcom_estado', ['estado'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('fiscal_nfcom', schema=None) as batch_op:
        batch_op.drop_index('ix_fiscal_nfcom_estado')
    op.drop_table('fiscal_nfcom')
    with op.batch_alter_table('fiscal_document_item', schema=None) as batch_op:
        batch_op.drop_column('cclass')
    op.execute("DELETE FROM fiscal_document WHERE model = 62")
    _model_check('21, 22')
