"""Remessa from invoices: the CNAB file of a payment profile, numbered and stored.

`gerar_remessa(session, profile_id, user=)` collects the profile's boletos whose invoice is open,
not marked "remessa transmitida" and not awaiting in another generated remessa (movement
"entrada", with the profile's juros, multa, desconto, protesto and baixa in the título fields) and
the pending instructions (`remessa_instructions`: baixa, alteração de vencimento/valor,
abatimento, desconto, protesto — only when the profile sends them), writes the file with
`cnab.writer.build_remessa` in the profile's layout (each movement with the bank's code from the
spec), numbers it with a gapless NSA per profile (`core.numbering.next_number`), stores it in
`bank_profiles_remessa` (state "gerada") + one `bank_profiles_remessa_item` per título, and
consumes the instructions. The invoices are then "remessa gerada" (awaiting transmission); the
operator marks the file transmitted or discards it (`remessa_marks`). Runs in the caller's unit of
work and never commits: a value that does not fit refuses the whole file, naming the invoice and
the field, and nothing is stored nor numbered. Nothing to send ⇒ `NadaAEnviar`.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.br.documents import only_digits
from core.errors import ValidationError
from core.i18n import _
from core.model import utcnow
from core.numbering import next_number
from plugins.bank_profiles.cnab.writer import pix_titulo
from plugins.bank_profiles.models import Boleto, PaymentProfile
from plugins.bank_profiles.remessa_instructions import movement_code, profile_fields, titulo_fields, username
from plugins.bank_profiles.remessa_marks import awaiting_clause
from plugins.bank_profiles.remessa_models import ENTRADA, Remessa, RemessaInstrucao, RemessaItem

NSA_KIND = "bank_profiles.remessa_nsa"


class NadaAEnviar(ValidationError):
    """The profile has no boleto nor instruction to send: no file, no NSA drawn."""


def layout_of(profile: PaymentProfile):
    from plugins.bank_profiles.cnab.layout import LayoutError, find_layout

    try:
        return find_layout(profile.banco, int(profile.layout or 240))
    except LayoutError as exc:
        raise ValidationError(_("Perfil de pagamento «{p}»: {e}").format(p=profile.name, e=exc), field="layout") from None


# The profile's fields that go into the remessa's header records (by the spec's field names).
HEADER_FIELDS = ("agencia", "agencia_dv", "conta", "conta_dv", "convenio", "codigo_beneficiario",
                 "codigo_transmissao", "codigo_empresa", "carteira", "modalidade", "posto", "byte_idt")


def _cabecalho(profile: PaymentProfile, company) -> dict:
    data = {k: getattr(profile, k) for k in HEADER_FIELDS}
    data = {k: v for k, v in data.items() if v not in (None, "")}
    data.update(numero_inscricao=only_digits(company.cnpj), nome_empresa=company.name)
    return data


def _titulo(boleto: Boleto, invoice, party) -> dict:
    endereco = ", ".join(p for p in (party.street, party.number, party.complement) if p)
    return {
        "nosso_numero": boleto.nosso_numero,
        "nosso_numero_dv": boleto.nosso_numero_dv,  # Itaú 240 P 49, Bradesco 400 82
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
        **pix_titulo(boleto.pix_brcode),  # PIX record of the boleto híbrido (Santander 400 tipo 8, 240 Y-03)
    }


def pending_entradas(session: Session, profile_id: int) -> list[tuple]:
    """(boleto, invoice, party) of the profile's open invoices neither marked "remessa transmitida"
    nor awaiting transmission in a generated remessa."""
    from core.parties.models import Party
    from plugins.receivables.models import INVOICE_OPEN, Invoice

    return list(session.execute(
        select(Boleto, Invoice, Party).join(Invoice, Invoice.id == Boleto.invoice_id)
        .join(Party, Party.id == Invoice.party_id)
        .where(Boleto.profile_id == profile_id, Invoice.status == INVOICE_OPEN,
               Invoice.remessa_transmitted.is_(False), ~awaiting_clause())
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

    profile = session.get(PaymentProfile, profile_id)
    if profile is None:
        raise ValidationError(_("Perfil de pagamento {id} não existe").format(id=profile_id), field="profile")
    now = now or utcnow()
    entradas = pending_entradas(session, profile_id)
    instrucoes = pending_instrucoes(session, profile_id) if profile.pedido_baixa_habilitado else []
    if not entradas and not instrucoes:
        raise NadaAEnviar(_("Nada a enviar: o perfil «{p}» não tem boletos novos nem instruções (pedidos de baixa, "
                            "alterações) pendentes. Nenhum arquivo foi gerado.").format(p=profile.name), field="profile")
    layout = layout_of(profile)
    entrada_code = movement_code(profile, ENTRADA)
    company = session.get(Company, profile.company_id)
    titulos, invoices = [], []
    for boleto, inv, party in entradas:
        terms = profile_fields(profile, boleto.valor, boleto.vencimento, inv, layout=layout)
        titulos.append({**_titulo(boleto, inv, party), **terms, "movimento": entrada_code})
        invoices.append(inv)
    for instr, boleto, inv, party in instrucoes:
        titulos.append({**_titulo(boleto, inv, party), **titulo_fields(instr)})
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
                      valor_total=total, created_at=now, created_by=username(user))
    session.add(remessa)
    session.flush()
    for boleto, inv, _party in entradas:
        session.add(RemessaItem(remessa_id=remessa.id, boleto_id=boleto.id, invoice_id=inv.id, tipo=ENTRADA,
                                movimento=entrada_code, valor=boleto.valor))
    for instr, boleto, inv, _party in instrucoes:
        session.add(RemessaItem(remessa_id=remessa.id, boleto_id=boleto.id, invoice_id=inv.id, tipo=instr.tipo,
                                movimento=instr.movimento, valor=instr.valor or boleto.valor))
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
