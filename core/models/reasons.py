"""Reasons (motivos) as master data: one list per kind (remoção, suspensão, cancelamento…).

Kinds are declared by the kernel and by plugins through the `register_reason_kinds` hook; the
operator maintains the reasons of each kind in the "Motivos" document. Actions with a
`reason_kind` require one active reason of that kind (see `core.actions`).
"""

from __future__ import annotations

from sqlalchemy import Boolean, String, UniqueConstraint
from sqlalchemy.orm import Mapped

from core.doctype import DocMeta, Document, field
from core.errors import ValidationError
from core.i18n import _


def registered_reason_kinds() -> dict[str, str]:
    """Reason kinds of the running process (kind -> pt-BR label); empty before bootstrap."""
    from core.runtime import current

    try:
        return dict(current().registry.reason_kinds)
    except RuntimeError:
        return {}


def check_kind(kind: str, message: str) -> None:
    """Refuse a kind that no enabled plugin registered (`message` has a {kind} placeholder)."""
    kinds = registered_reason_kinds()
    if kinds and kind not in kinds:
        raise ValidationError(message.format(kind=kind), field="kind")


class Reason(Document):
    __tablename__ = "reason"
    __table_args__ = (UniqueConstraint("kind", "code"),)
    meta = DocMeta(
        label="Motivo", label_plural="Motivos",
        list_columns=("kind", "code", "description", "active"),
        filters=("kind", "code", "description", "active"),
        permissions={"financeiro": "read", "gerente": "read write create"},
        title_field="description", search_fields=("code", "description"),
        order_by="kind", menu_group="Cadastros",
    )

    kind: Mapped[str] = field(String(60), label="Tipo", required=True, index=True, widget="select",
                              help="Onde o motivo é usado (remoção, suspensão, cancelamento…).")
    code: Mapped[str] = field(String(30), label="Código", required=True)
    description: Mapped[str] = field(String(200), label="Descrição", required=True)
    requires_justification: Mapped[bool] = field(
        Boolean, label="Exige justificativa", default=False, nullable=False,
        help="O operador precisa escrever uma justificativa ao usar este motivo.")
    active: Mapped[bool] = field(Boolean, label="Ativo", default=True, nullable=False)

    @classmethod
    def kind_choices(cls) -> list[tuple[str, str]]:
        """(value, label) pairs for the `kind` field, from the registered reason kinds."""
        return sorted(registered_reason_kinds().items(), key=lambda kv: kv[1])

    def validate(self, session) -> None:
        check_kind(self.kind, _("Tipo de motivo desconhecido: {kind}"))
        if not (self.code or "").strip():
            raise ValidationError(_("Informe o código do motivo."), field="code")
        if not (self.description or "").strip():
            raise ValidationError(_("Informe a descrição do motivo."), field="description")


class Justification(Document):
    """Standard justifications (justificativas padrão) per kind, offered in action dialogs.

    The operator may pick one (it fills the justification text) or write their own; the text
    that was used is what the audit trail keeps.
    """

    __tablename__ = "justification"
    meta = DocMeta(
        label="Justificativa padrão", label_plural="Justificativas padrão",
        list_columns=("kind", "text", "active"), filters=("kind", "text", "active"),
        permissions={"financeiro": "read", "gerente": "read write create"},
        title_field="text", search_fields=("text",), order_by="kind", menu_group="Cadastros",
    )

    kind: Mapped[str] = field(String(60), label="Tipo", required=True, index=True, widget="select",
                              help="Em que operações a justificativa é oferecida (mesmos tipos dos motivos).")
    text: Mapped[str] = field(String(200), label="Texto", required=True)
    active: Mapped[bool] = field(Boolean, label="Ativa", default=True, nullable=False)

    @classmethod
    def kind_choices(cls) -> list[tuple[str, str]]:
        return Reason.kind_choices()

    def validate(self, session) -> None:
        check_kind(self.kind, _("Tipo de justificativa desconhecido: {kind}"))
        if not (self.text or "").strip():
            raise ValidationError(_("Informe o texto da justificativa."), field="text")
