"""The retorno's batch credits for the bank reconciliation (`hooks.reconciliation.reconciliation_batch_credits`).

Banks credit the day's boleto payments of a retorno as ONE statement line: Σ valor líquido of the
títulos liquidated by that file with that crédito date, valor líquido = valor pago − tarifa (the fee
`retorno_tarifas` posts on the crédito date against the same bank account, so the ledger's net for the
day is that same sum). A group = (import, crédito date — else the ocorrência date), its títulos whose
settlement is still active and went into the asked bank account. One query per call.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from core.money import ZERO
from hooks.reconciliation import BatchCredit
from plugins.bank_profiles.retorno_models import OUT_SETTLED, RetornoImport, RetornoItem
from plugins.receivables.settlement_models import Settlement


def batch_credits(session: Session, bank_account_id: int, date_from: date, date_to: date) -> list[BatchCredit]:
    credited = func.coalesce(RetornoItem.data_credito, RetornoItem.data_ocorrencia)
    # coalesce(data_credito, data_ocorrencia) in the period, as two ranges of ix_bank_profiles_retorno_item_credit
    # (outcome, data_credito, data_ocorrencia) — SQLite and PostgreSQL use the index for both
    in_period = or_(RetornoItem.data_credito.between(date_from, date_to),
                    and_(RetornoItem.data_credito.is_(None), RetornoItem.data_ocorrencia.between(date_from, date_to)))
    rows = session.execute(
        select(RetornoItem.import_id, RetornoImport.filename, credited, RetornoItem.settlement_id,
               RetornoItem.valor_pago, RetornoItem.tarifa)
        .join(RetornoImport, RetornoImport.id == RetornoItem.import_id)
        .join(Settlement, Settlement.id == RetornoItem.settlement_id)
        .where(RetornoItem.outcome == OUT_SETTLED, in_period,
               Settlement.reversed.is_(False), Settlement.bank_account_id == bank_account_id)
        .order_by(RetornoItem.import_id, RetornoItem.id))
    groups: dict[tuple[int, date], dict] = defaultdict(lambda: {"ids": [], "total": ZERO, "name": ""})
    for import_id, filename, on, settlement_id, paid, fee in rows:
        g = groups[(import_id, on)]
        g["name"] = filename
        g["ids"].append(settlement_id)
        g["total"] += (paid or ZERO) - (fee or ZERO)
    return [BatchCredit(key=f"bank_profiles.retorno:{import_id}:{on.isoformat()}",
                        label=f"Retorno {g['name']} (importação {import_id})", credited_on=on,
                        settlement_ids=tuple(g["ids"]), total=Decimal(g["total"]))
            for (import_id, on), g in sorted(groups.items())]
