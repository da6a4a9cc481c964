"""States of a remessa and the marks of its invoices (manual "Painel do Cliente").

- Generating a remessa leaves its entradas "remessa gerada" (awaiting transmission): the invoice
  is not in the next remessa, and "Remover fatura" / "Alterar fatura" answer "Esta fatura aguarda
  efetivação de remessa" (`remessa_blockers`); "Suspender fatura" warns "ATENÇÃO: Suspensão
  autorizada, porém essa fatura já tem remessa gerada." (`remessa_warnings`).
- `transmitir(remessa_id)`: the operator sent the file to the bank ⇒ state "transmitida" and each
  entrada gets receivables' "remessa transmitida" mark (`set_remessa_mark`, logged who/when);
  then remove/alter answer "A fatura X está com remessa transmitida" unless the profile sends
  pedidos de baixa (the baixa is queued on removal). "Remover marcação de remessa transmitida"
  (receivables) puts the invoice back in the next remessa.
- `descartar(remessa_id)`: a generated file that was never sent ⇒ "descartada": its entradas go
  in the next remessa, its instructions back to the queue; its NSA stays used (numbering is
  gapless and never reuses a number).
- `liberar(invoice)`: the manual's "Remover marcação de remessa gerada" for one invoice awaiting
  transmission: it goes in the next remessa (the file already generated still carries it).
- Retorno answers (`retorno_answer`, called by `retorno.py`): `entrada_confirmada` marks the
  invoice transmitted if it was not (the bank has it); `rejeitada` of an entrada releases the
  invoice for the next remessa (mark removed, reason kept on the item); a rejected instruction is
  only reported.

Services take the caller's session and never commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.actions import Action, Advice, Blocker, NoParams
from core.errors import ValidationError
from core.i18n import _
from core.model import utcnow
from plugins.bank_profiles.models import Boleto, PaymentProfile
from plugins.bank_profiles.remessa_instructions import username
from plugins.bank_profiles.remessa_models import (DESCARTADA, ENTRADA, ESTADOS, GERADA, TRANSMITIDA, Remessa,
                                                  RemessaInstrucao, RemessaItem)

BLOCKED_ACTIONS = ("receivables.invoice.remove", "receivables.invoice.alter")
SUSPEND_ACTION = "receivables.invoice.suspend"
REMESSA_TRANSMITTED = "bank_profiles.remessa_transmitida"
REMESSA_AWAITING = "bank_profiles.remessa_gerada"
_CHUNK = 500


def awaiting_items(session: Session, invoice_ids: list[int]) -> dict[int, RemessaItem]:
    """invoice id → its entrada in a remessa still "gerada" (awaiting transmission), not released."""
    found: dict[int, RemessaItem] = {}
    for start in range(0, len(invoice_ids), _CHUNK):
        rows = session.scalars(select(RemessaItem).join(Remessa, Remessa.id == RemessaItem.remessa_id)
                               .where(RemessaItem.invoice_id.in_(invoice_ids[start:start + _CHUNK]),
                                      RemessaItem.tipo == ENTRADA, RemessaItem.liberado_em.is_(None),
                                      Remessa.estado == GERADA))
        found.update((item.invoice_id, item) for item in rows)
    return found


def awaiting_clause():
    """SQL: the boleto (`Boleto.id`) has an entrada awaiting transmission (for `pending_entradas`)."""
    return (select(RemessaItem.id).join(Remessa, Remessa.id == RemessaItem.remessa_id)
            .where(RemessaItem.boleto_id == Boleto.id, RemessaItem.tipo == ENTRADA,
                   RemessaItem.liberado_em.is_(None), Remessa.estado == GERADA).exists())


def _remessa(session: Session, remessa_id: int, *, lock: bool = True) -> Remessa:
    stmt = select(Remessa).where(Remessa.id == remessa_id)
    r = session.scalar(stmt.with_for_update() if lock else stmt)
    if r is None:
        raise ValidationError(_("Remessa {id} não existe").format(id=remessa_id), field="remessa")
    return r


def _require_generated(r: Remessa, verb: str) -> None:
    if r.estado != GERADA:
        raise ValidationError(_("A remessa {f} (NSA {nsa}) está {e}; só uma remessa gerada (não transmitida) pode ser "
                                "{verb}.").format(f=r.filename, nsa=r.nsa, e=ESTADOS[r.estado].lower(), verb=verb),
                              field="remessa")


def transmitir(session: Session, remessa_id: int, *, user=None, now: datetime | None = None) -> Remessa:
    """Mark the remessa "transmitida" and its entradas "remessa transmitida" (see module doc)."""
    from plugins.receivables.invoice_tools import set_remessa_mark
    from plugins.receivables.models import INVOICE_REMOVED, Invoice

    now = now or utcnow()
    r = _remessa(session, remessa_id)
    _require_generated(r, _("marcada como transmitida"))
    entradas = (select(RemessaItem.invoice_id).where(RemessaItem.remessa_id == r.id, RemessaItem.tipo == ENTRADA,
                                                    RemessaItem.liberado_em.is_(None)))
    for inv in session.scalars(select(Invoice).where(Invoice.id.in_(entradas), Invoice.remessa_transmitted.is_(False),
                                                     Invoice.status != INVOICE_REMOVED).order_by(Invoice.id)):
        set_remessa_mark(session, inv, True, user=user, now=now)  # one query for the file's invoices
    r.estado, r.estado_em, r.estado_por = TRANSMITIDA, now, username(user)
    session.flush()
    return r


def descartar(session: Session, remessa_id: int, *, user=None, now: datetime | None = None) -> Remessa:
    """Discard a generated, never transmitted remessa: entradas and instructions go in the next one."""
    now = now or utcnow()
    r = _remessa(session, remessa_id)
    _require_generated(r, _("descartada"))
    why = _("Remessa {f} (NSA {nsa}) descartada").format(f=r.filename, nsa=r.nsa)
    for item in session.scalars(select(RemessaItem).where(RemessaItem.remessa_id == r.id,
                                                          RemessaItem.liberado_em.is_(None))):
        item.liberado_em, item.liberado_motivo = now, why
    for instr in session.scalars(select(RemessaInstrucao).where(RemessaInstrucao.remessa_id == r.id)):
        instr.remessa_id = None
    r.estado, r.estado_em, r.estado_por = DESCARTADA, now, username(user)
    session.flush()
    return r


def liberar(session: Session, invoice, *, user=None, now: datetime | None = None, motivo: str | None = None) -> bool:
    """"Remover marcação de remessa gerada": the invoice leaves the generated file's wait and goes
    in the next remessa. False when it was not awaiting."""
    item = awaiting_items(session, [invoice.id]).get(invoice.id)
    if item is None:
        return False
    item.liberado_em = now or utcnow()
    item.liberado_motivo = (motivo or _("Marcação de remessa gerada removida por {u}").format(
        u=username(user) or "?"))[:500]
    session.flush()
    return True


# --- retorno -----------------------------------------------------------------------------------------

def retorno_answer(session: Session, boleto: Boleto, kind: str, *, reason: str = "", user=None,
                   now: datetime | None = None) -> str:
    """Apply a retorno's `entrada_confirmada` / `rejeitada` to the marks; returns what changed
    (pt-BR, appended to the retorno item's message; "" when nothing)."""
    from plugins.receivables.invoice_tools import set_remessa_mark
    from plugins.receivables.models import INVOICE_REMOVED, Invoice

    now = now or utcnow()
    inv = session.get(Invoice, boleto.invoice_id)
    if inv is None or inv.status == INVOICE_REMOVED:
        return ""
    if kind == "entrada_confirmada":
        if inv.remessa_transmitted:
            return ""
        set_remessa_mark(session, inv, True, user=user, now=now)
        return _(" Marcação de remessa transmitida incluída (o banco tem o título).")
    if kind != "rejeitada":
        return ""
    last = session.scalar(select(RemessaItem).where(RemessaItem.boleto_id == boleto.id)
                          .order_by(RemessaItem.id.desc()).limit(1))
    if last is None or last.tipo != ENTRADA or last.liberado_em is not None or boleto.registrado_em is not None:
        return ""  # an instruction was rejected (or nothing of ours): only reported
    last.liberado_em, last.liberado_motivo = now, (_("Entrada rejeitada pelo banco: {r}").format(r=reason))[:500]
    if inv.remessa_transmitted:
        set_remessa_mark(session, inv, False, user=user, now=now)
    session.flush()
    return _(" A fatura volta para a próxima remessa.")


# --- guards ------------------------------------------------------------------------------------------

def _profiles_allowing_baixa(session: Session, invoice_ids: list[int]) -> dict[int, bool]:
    """invoice id → whether its boleto's profile sends pedidos de baixa (invoices with a boleto only)."""
    if not invoice_ids:
        return {}
    rows = session.execute(select(Boleto.invoice_id, PaymentProfile.pedido_baixa_habilitado)
                           .join(PaymentProfile, PaymentProfile.id == Boleto.profile_id)
                           .where(Boleto.invoice_id.in_(invoice_ids)))
    return {inv_id: bool(allowed) for inv_id, allowed in rows}


def remessa_blockers(session: Session, action_name: str, invoices, params=None) -> list[Blocker]:
    """Remove/alter (not the description, which is not sent to the bank) of an invoice of ours:
    awaiting transmission ⇒ "Esta fatura aguarda efetivação de remessa"; transmitted ⇒ "A fatura X
    está com remessa transmitida", unless its profile sends pedidos de baixa."""
    if action_name not in BLOCKED_ACTIONS:
        return []
    if action_name == "receivables.invoice.alter" and getattr(params, "what", None) == "descricao":
        return []
    marked = [inv for inv in invoices if inv.remessa_transmitted]
    allowed = _profiles_allowing_baixa(session, [inv.id for inv in marked])
    found = [Blocker(inv.id, REMESSA_TRANSMITTED, _("A fatura {n} está com remessa transmitida").format(n=inv.number))
             for inv in marked if allowed.get(inv.id) is False]
    waiting = awaiting_items(session, [inv.id for inv in invoices if not inv.remessa_transmitted])
    found += [Blocker(inv.id, REMESSA_AWAITING, _("Esta fatura aguarda efetivação de remessa"))
              for inv in invoices if inv.id in waiting]
    return found


def remessa_warnings(session: Session, action_name: str, invoices) -> list[Advice]:
    """Suspension of an invoice awaiting transmission: the manual's warning (receivables warns for
    the transmitted ones)."""
    if action_name != SUSPEND_ACTION:
        return []
    waiting = awaiting_items(session, [inv.id for inv in invoices if not inv.remessa_transmitted])
    return [Advice(inv.id, REMESSA_AWAITING, _("ATENÇÃO: Suspensão autorizada, porém essa fatura já tem remessa gerada."))
            for inv in invoices if inv.id in waiting]


def _check_awaiting(ctx, records, params):
    waiting = awaiting_items(ctx.session, [inv.id for inv in records])
    return [Blocker(inv.id, "bank_profiles.sem_remessa_gerada",
                    _("A fatura {n} não aguarda transmissão de remessa.").format(n=inv.number))
            for inv in records if inv.id not in waiting]


def _run_release(ctx, records, params):
    for inv in records:
        liberar(ctx.session, inv, user=ctx.user, now=ctx.now)


def actions() -> tuple[Action, ...]:
    from plugins.receivables.models import Invoice

    return (Action("bank_profiles.remessa.liberar", "Remover marcação de remessa gerada", Invoice,
                   "bank_profiles.remessa.manage", _run_release, NoParams, check=_check_awaiting,
                   description="Libera a fatura para alterações; ela entra no próximo arquivo de remessa. Se o "
                               "arquivo já gerado for enviado ao banco mesmo assim, o banco recusará a entrada "
                               "repetida."),)
