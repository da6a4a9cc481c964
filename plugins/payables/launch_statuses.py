"""Status do lançamento (Lançar Pagamento, Notas: «Se no lançamento de faturas estiver aparecendo o
campo "Status" é porque existem status no sistema configurados para serem selecionados no lançamento
de faturas»; Alterar: «serão mostrados somente status que aceitarem o tipo de documento da fatura»).

`LaunchStatus` is a low-code document (menu Contas a pagar, `/doc/payables_launch_status`): code,
name (≤ 30, it becomes the installments' "Status", `PayableInstallment.situation`), the payment form
it accepts (empty = every form) and active. `launch_status(session, value, payment_form)` is called by
the launch (`launch._check`): without active statuses the field does not exist (a value is refused);
with them, an empty value is fine (no status) and a given one must be an active status — by code or
name, case ignored — accepting the invoice's payment form. `statuses_for` lists them for the page
and the list filter.
"""

from __future__ import annotations

from sqlalchemy import Boolean, String, func, or_, select
from sqlalchemy.orm import Mapped, Session

from core.doctype import DocMeta, Document, field
from core.errors import ValidationError
from plugins.payables.models import PAYMENT_FORM_LABELS, PAYMENT_FORMS

QUITA_COMPONENT = "payables"
STATUS_ROLES = {"financeiro": "read write create", "gerente": "read write create delete"}


class LaunchStatus(Document):
    """Status selectable in "Lançar Pagamento" (module docstring)."""

    __tablename__ = "payables_launch_status"
    meta = DocMeta(
        label="Status do lançamento", label_plural="Status do lançamento",
        list_columns=("code", "name", "payment_form", "active"), filters=("code", "name", "active"),
        permissions=STATUS_ROLES, title_field="name", search_fields=("code", "name"), order_by="code",
        menu_group="Contas a pagar",
    )

    code: Mapped[str] = field(String(10), label="Código", required=True, unique=True)
    name: Mapped[str] = field(String(30), label="Nome", required=True)
    payment_form: Mapped[str | None] = field(String(12), label="Forma de pagamento aceita (vazio: todas)",
                                             choices=PAYMENT_FORMS)
    active: Mapped[bool] = field(Boolean, label="Ativo", default=True, nullable=False)

    def validate(self, session) -> None:
        if not (self.code or "").strip():
            raise ValidationError("Informe o código do status.", field="code")
        if not (self.name or "").strip():
            raise ValidationError("Informe o nome do status.", field="name")
        if self.payment_form and self.payment_form not in PAYMENT_FORM_LABELS:
            raise ValidationError(f"Forma de pagamento inválida: {self.payment_form}.", field="payment_form")


def statuses_for(session: Session, payment_form: str | None = None) -> list[LaunchStatus]:
    """The active statuses (accepting `payment_form` when given), by code."""
    stmt = select(LaunchStatus).where(LaunchStatus.active.is_(True)).order_by(LaunchStatus.code)
    if payment_form:
        stmt = stmt.where(or_(LaunchStatus.payment_form.is_(None), LaunchStatus.payment_form == "",
                              LaunchStatus.payment_form == payment_form))
    return list(session.scalars(stmt))


def launch_status(session: Session, value: str | None, payment_form: str | None) -> str | None:
    """The status name to keep on the installments, or None (module docstring for the refusals)."""
    text = (value or "").strip()
    if not text:
        return None
    if not statuses_for(session):
        raise ValidationError("Não há status configurados para o lançamento de faturas: deixe o Status em branco.",
                              field="situation")
    key = text.upper()
    found = session.scalar(select(LaunchStatus).where(
        LaunchStatus.active.is_(True), or_(func.upper(LaunchStatus.code) == key, func.upper(LaunchStatus.name) == key)))
    if found is None:
        listed = ", ".join(s.name for s in statuses_for(session, payment_form))
        raise ValidationError(f"Status {text} não cadastrado (ou inativo). Status disponíveis: {listed}.",
                              field="situation")
    if found.payment_form and found.payment_form != payment_form:
        raise ValidationError(f"O status {found.name} aceita somente a forma de pagamento "
                              f"{PAYMENT_FORM_LABELS[found.payment_form]}.", field="situation")
    return found.name
