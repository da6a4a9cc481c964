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

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.money import ZERO
from hooks.reconciliation import BatchCredit
from plugins.bank_profiles.retorno_models import OUT_SETTLED, RetornoImport, RetornoItem
from plugins.receivables.settlement_models import Settlement


def batch_credits(session: Session, bank_account_id: int, date_from: date, date_to: date) -> list[BatchCredit]:
    credited = func.coalesce(RetornoItem.data_credito, RetornoItem.data_ocorrencia)
    rows = session.execute(
        select(RetornoItem.import_id, RetornoImport.filename, credited, RetornoItem.settlement_id,
               RetornoItem.valor_pago, RetornoItem.tarifa)
        .join(RetornoImport, RetornoImport.id == RetornoItem.import_id)
        .join(Settlement, Settlement.id == RetornoItem.settlement_id)
        .where(RetornoItem.outcome == OUT_SETTLED, credited >= date_from, credited <= date_to,
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
