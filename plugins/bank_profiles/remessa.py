"""Remessa from invoices: the CNAB file of a payment profile, numbered and stored.

`gerar_remessa(session, profile_id, user=)` collects the profile's boletos whose invoice is open
and not yet marked "remessa transmitida" (movement 01, entrada de título) and the pending
instructions (movement 02, pedido de baixa, queued by `queue_baixa` when an invoice with a
transmitted boleto is removed and the profile has `pedido_baixa_habilitado`), writes the file with
`cnab.writer.build_remessa` in the profile's layout, numbers it with a gapless NSA per profile
(`core.numbering.next_number`), stores it in `bank_profiles_remessa` (+ one
`bank_profiles_remessa_item` per boleto) and marks each sent invoice through receivables'
`set_remessa_mark` (so the panel shows the mark and receivables' rules see it). Runs in the
caller's unit of work and never commits: a value that does not fit refuses the whole file, naming
the invoice and the field, and nothing is marked nor numbered. Nothing to send ⇒ `NadaAEnviar`.

`remessa_blockers` answers receivables' remove/alter actions (hook `action_blockers`).
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.actions import Blocker
from core.br.documents import only_digits
from core.errors import ValidationError
from core.i18n import _
from core.model import utcnow
from core.numbering import next_number
from plugins.bank_profiles.models import Boleto, PaymentProfile
from plugins.bank_profiles.remessa_models import (MOVIMENTO_BAIXA, MOVIMENTO_ENTRADA, Remessa, RemessaInstrucao,
                                                  RemessaItem)

NSA_KIND = "bank_profiles.remessa_nsa"
BLOCKED_ACTIONS = ("receivables.invoice.remove", "receivables.invoice.alter")
REMESSA_TRANSMITTED = "bank_profiles.remessa_transmitida"


class NadaAEnviar(ValidationError):
    """The profile has no boleto nor instruction to send: no file, no NSA drawn."""


def _username(user) -> str | None:
    return getattr(user, "username", None) or (user if isinstance(user, str) else None)


def layout_of(profile: PaymentProfile):
    from plugins.bank_profiles.cnab.layout import LayoutError, find_layout

    try:
        return find_layout(profile.banco, int(profile.layout or 240))
    except LayoutError as exc:
        raise ValidationError(_("Perfil de pagamento «{p}»: {e}").format(p=profile.name, e=exc), field="layout") from None


def _cabecalho(profile: PaymentProfile, company) -> dict:
    data = {k: getattr(profile, k) for k in ("agencia", "agencia_dv", "conta", "conta_dv", "convenio",
                                             "codigo_beneficiario", "carteira", "modalidade", "posto", "byte_idt")}
    data = {k: v for k, v in data.items() if v not in (None, "")}
    data.update(numero_inscricao=only_digits(company.cnpj), nome_empresa=company.name)
    return data


def _titulo(boleto: Boleto, invoice, party, movimento: str) -> dict:
    endereco = ", ".join(p for p in (party.street, party.number, party.complement) if p)
    return {
        "movimento": movimento,
        "nosso_numero": boleto.nosso_numero,
        "numero_documento": invoice.number,
        "seu_numero": str(invoice.number),
        "uso_empresa": str(invoice.number),
        "valor": boleto.valor,
        "vencimento": boleto.vencimento,
        "emissao": invoice.issue_date,
        "pagador_inscricao": only_digits(party.document),
        "pagador_nome": party.name,
        "pagador_endereco": endereco,
        "pagador_bairro": party.district,
        "pagador_cep": only_digits(party.cep) or None,
        "pagador_cidade": party.city,
        "pagador_uf": party.uf,
    }


def pending_entradas(session: Session, profile_id: int) -> list[tuple]:
    """(boleto, invoice, party) of the profile's open invoices not marked "remessa transmitida"."""
    from core.parties.models import Party
    from plugins.receivables.models import INVOICE_OPEN, Invoice

    return list(session.execute(
        select(Boleto, Invoice, Party).join(Invoice, Invoice.id == Boleto.invoice_id)
        .join(Party, Party.id == Invoice.party_id)
        .where(Boleto.profile_id == profile_id, Invoice.status == INVOICE_OPEN,
               Invoice.remessa_transmitted.is_(False))
        .order_by(Boleto.nosso_numero)))


def pending_instrucoes(session: Session, profile_id: int) -> list[tuple]:
    """(instruction, boleto, invoice, party) not yet sent."""
    from core.parties.models import Party
    from plugins.receivables.models import Invoice

    return list(session.execute(
        select(RemessaInstrucao, Boleto, Invoice, Party).join(Boleto, Boleto.id == RemessaInstrucao.boleto_id)
        .join(Invoice, Invoice.id == RemessaInstrucao.invoice_id).join(Party, Party.id == Invoice.party_id)
        .where(RemessaInstrucao.profile_id == profile_id, RemessaInstrucao.remessa_id.is_(None))
        .order_by(RemessaInstrucao.id)))


def remessa_filename(session: Session, profile_id: int, when: datetime) -> str:
    """`CB{ddmm}{nn}.REM`: nn = this profile's remessas of that day + 1 (the banks' usual name)."""
    start = datetime(when.year, when.month, when.day, tzinfo=when.tzinfo)
    same_day = session.scalar(select(func.count()).select_from(Remessa).where(
        Remessa.profile_id == profile_id, Remessa.created_at >= start)) or 0
    return f"CB{when:%d%m}{same_day + 1:02d}.REM"


def gerar_remessa(session: Session, profile_id: int, *, user=None, now: datetime | None = None) -> Remessa:
    """Build, number, store the remessa of `profile_id` and mark what it carries (see module doc)."""
    from core.models.company import Company
    from plugins.bank_profiles.cnab.writer import RemessaError, build_remessa
    from plugins.receivables.invoice_tools import set_remessa_mark

    profile = session.get(PaymentProfile, profile_id)
    if profile is None:
        raise ValidationError(_("Perfil de pagamento {id} não existe").format(id=profile_id), field="profile")
    now = now or utcnow()
    entradas = pending_entradas(session, profile_id)
    instrucoes = pending_instrucoes(session, profile_id) if profile.pedido_baixa_habilitado else []
    if not entradas and not instrucoes:
        raise NadaAEnviar(_("Nada a enviar: o perfil «{p}» não tem boletos novos nem pedidos de baixa "
                            "pendentes. Nenhum arquivo foi gerado.").format(p=profile.name), field="profile")
    layout = layout_of(profile)
    company = session.get(Company, profile.company_id)
    titulos, invoices = [], []
    for boleto, inv, party in entradas:
        titulos.append(_titulo(boleto, inv, party, MOVIMENTO_ENTRADA))
        invoices.append(inv)
    for _instr, boleto, inv, party in instrucoes:
        titulos.append(_titulo(boleto, inv, party, MOVIMENTO_BAIXA))
        invoices.append(inv)
    nsa = next_number(session, kind=NSA_KIND, company_id=profile.company_id, series=str(profile.id))
    try:
        text = build_remessa(layout, _cabecalho(profile, company), titulos, nsa=nsa, gerado_em=now)
    except RemessaError as exc:
        message = str(exc)
        found = re.match(r"Título (\d+) ", message)
        if found and 0 < int(found.group(1)) <= len(invoices):
            inv = invoices[int(found.group(1)) - 1]
            message = _("Fatura {n}: {e}").format(n=inv.number, e=message)
        raise ValidationError(_("Remessa do perfil «{p}» não gerada — {e}").format(p=profile.name, e=message),
                              field="profile") from None
    total = sum((b.valor for b, _i, _p in entradas), Decimal("0"))
    remessa = Remessa(company_id=profile.company_id, profile_id=profile.id, nsa=nsa,
                      filename=remessa_filename(session, profile.id, now), layout=layout.spec_file,
                      content=text.encode("ascii"), titulos=len(entradas), instrucoes=len(instrucoes),
                      valor_total=total, created_at=now, created_by=_username(user))
    session.add(remessa)
    session.flush()
    for boleto, inv, _party in entradas:
        session.add(RemessaItem(remessa_id=remessa.id, boleto_id=boleto.id, invoice_id=inv.id,
                                movimento=MOVIMENTO_ENTRADA, valor=boleto.valor))
        set_remessa_mark(session, inv, True, user=user, now=now)
    for instr, boleto, inv, _party in instrucoes:
        session.add(RemessaItem(remessa_id=remessa.id, boleto_id=boleto.id, invoice_id=inv.id,
                                movimento=MOVIMENTO_BAIXA, valor=boleto.valor))
        instr.remessa_id = remessa.id
    session.flush()
    return remessa


def list_remessas(session: Session, *, company_id: int | None = None, profile_id: int | None = None,
                  limit: int = 500) -> list[Remessa]:
    stmt = select(Remessa).order_by(Remessa.created_at.desc(), Remessa.id.desc()).limit(limit)
    if company_id is not None:
        stmt = stmt.where(Remessa.company_id == company_id)
    if profile_id is not None:
        stmt = stmt.where(Remessa.profile_id == profile_id)
    return list(session.scalars(stmt))


# --- guards and the pedido de baixa queue ---------------------------------------------------------

def _profiles_allowing_baixa(session: Session, invoice_ids: list[int]) -> dict[int, bool]:
    """invoice id → whether its boleto's profile sends pedidos de baixa (invoices with a boleto only)."""
    if not invoice_ids:
        return {}
    rows = session.execute(select(Boleto.invoice_id, PaymentProfile.pedido_baixa_habilitado)
                           .join(PaymentProfile, PaymentProfile.id == Boleto.profile_id)
                           .where(Boleto.invoice_id.in_(invoice_ids)))
    return {inv_id: bool(allowed) for inv_id, allowed in rows}


def remessa_blockers(session: Session, action_name: str, invoices, params=None) -> list[Blocker]:
    """"A fatura X está com remessa transmitida" for remove/alter of an invoice with a boleto of
    this plugin marked as sent, unless the boleto's profile sends pedidos de baixa (then the baixa
    is queued on removal). Invoices without a boleto of ours are not this plugin's business."""
    if action_name not in BLOCKED_ACTIONS:
        return []
    if action_name == "receivables.invoice.alter" and getattr(params, "what", None) == "descricao":
        return []  # the description is not sent to the bank
    marked = [inv for inv in invoices if inv.remessa_transmitted]
    allowed = _profiles_allowing_baixa(session, [inv.id for inv in marked])
    return [Blocker(inv.id, REMESSA_TRANSMITTED,
                    _("A fatura {n} está com remessa transmitida").format(n=inv.number))
            for inv in marked if allowed.get(inv.id) is False]


def queue_baixa(session: Session, invoice_id: int, *, user=None) -> RemessaInstrucao | None:
    """Queue a pedido de baixa for the boleto of a removed invoice that went out in a remessa, when
    its profile sends them; None when there is nothing to ask the bank (idempotent)."""
    from plugins.receivables.models import Invoice

    inv = session.get(Invoice, invoice_id)
    if inv is None or not inv.remessa_transmitted:
        return None
    boleto = session.scalar(select(Boleto).where(Boleto.invoice_id == invoice_id))
    if boleto is None:
        return None
    profile = session.get(PaymentProfile, boleto.profile_id)
    if not profile.pedido_baixa_habilitado:
        return None
    already = session.scalar(select(RemessaInstrucao.id).where(RemessaInstrucao.boleto_id == boleto.id,
                                                               RemessaInstrucao.movimento == MOVIMENTO_BAIXA))
    if already is not None:
        return None
    row = RemessaInstrucao(profile_id=profile.id, boleto_id=boleto.id, invoice_id=invoice_id,
                           movimento=MOVIMENTO_BAIXA, created_by=_username(user))
    session.add(row)
    session.flush()
    return row
