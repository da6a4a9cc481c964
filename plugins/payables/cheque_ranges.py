"""Faixas de cheque of a bank account (manual "Baixar Pagamento", Nota: "Se a conta crédito
selecionada possuir alguma faixa de cheque cadastrada, o número informado no campo 'Nosso Número'
deverá estar dentro desta faixa de numeração, caso contrário, a fatura não será baixada.").

`ChequeRange` is a low-code document (menu Contas a pagar, `/doc/payables_cheque_range`): company,
bank/cash account, first and last cheque number, active. `check_cheque_range(session, account,
our_number)` is called by the write-off (`writeoff._plan`, so the preview, the page, the batch and
the CLI refuse the same): an account with active ranges accepts only a numeric "Nosso Número"
inside one of them; an account without ranges accepts anything; an empty "Nosso Número" is not
checked (nothing was informed).
"""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, select
from sqlalchemy.orm import Mapped, Session

from core.doctype import DocMeta, Document, field
from core.errors import ValidationError

QUITA_COMPONENT = "payables"
RANGE_ROLES = {"financeiro": "read write create", "gerente": "read write create delete"}


class ChequeRange(Document):
    """Faixa de cheques of a bank account (module docstring)."""

    __tablename__ = "payables_cheque_range"
    __table_args__ = (CheckConstraint("first_number > 0 AND last_number >= first_number", name="range_valid"),)
    meta = DocMeta(
        label="Faixa de cheques", label_plural="Faixas de cheques",
        list_columns=("company_id", "account_id", "first_number", "last_number", "active"),
        filters=("company_id", "account_id", "active"), permissions=RANGE_ROLES,
        title_field="first_number", order_by="first_number", menu_group="Contas a pagar",
    )

    company_id: Mapped[int] = field(ForeignKey("company.id"), label="Empresa", required=True, link="company")
    account_id: Mapped[int] = field(ForeignKey("ledger_account.id"), label="Conta (banco/caixa)", required=True,
                                    link="ledger_account")
    first_number: Mapped[int] = field(Integer, label="Primeiro cheque", required=True)
    last_number: Mapped[int] = field(Integer, label="Último cheque", required=True)
    active: Mapped[bool] = field(Boolean, label="Ativa", default=True, nullable=False)

    def validate(self, session) -> None:
        from core.ledger.models import Account

        if self.first_number is None or self.first_number <= 0:
            raise ValidationError("O primeiro cheque da faixa deve ser maior que zero.", field="first_number")
        if self.last_number is None or self.last_number < self.first_number:
            raise ValidationError("O último cheque da faixa não pode ser menor que o primeiro.", field="last_number")
        account = session.get(Account, self.account_id)
        if (account is None or account.company_id != self.company_id or account.is_synthetic
                or account.kind not in ("bank", "cash")):
            raise ValidationError("A faixa de cheques é de uma conta banco ou caixa (analítica) da empresa.",
                                  field="account_id")


def ranges_of(session: Session, account_id: int) -> list[ChequeRange]:
    return list(session.scalars(select(ChequeRange).where(ChequeRange.account_id == account_id,
                                                          ChequeRange.active.is_(True))
                                .order_by(ChequeRange.first_number)))


def check_cheque_range(session: Session, account, our_number: str | None) -> None:
    """Refuse a "Nosso Número" outside the account's cheque ranges (module docstring)."""
    text = (our_number or "").strip()
    if not text:
        return
    ranges = ranges_of(session, account.id)
    if not ranges:
        return
    listed = ", ".join(f"{r.first_number} a {r.last_number}" for r in ranges)
    number = int(text) if text.isdigit() else None
    if number is None or not any(r.first_number <= number <= r.last_number for r in ranges):
        raise ValidationError(f"O nosso número {text} está fora da faixa de cheques da conta crédito {account.code} - "
                              f"{account.name} ({listed}): a fatura não será baixada.", field="our_number")
