"""Demo data of the bank_profiles plugin (`quita demo`): one Itaú and one Sicoob payment profile
for the first demo company, assigned to about a third of its active contracts; their open
invoices get their boletos (nosso número, linha digitável) so the customer panel shows them.

Runs after the receivables demo (order 110), which already billed two months: the open invoices
of the chosen contracts get their boleto here through the same service the hook uses
(`assignment.assign_boleto`); invoices created from now on get theirs at creation.
"""

from __future__ import annotations

import random

from sqlalchemy import select

from core.db import unit_of_work

PROFILES = (
    dict(name="Itaú cobrança 109", banco="341", agencia="1234", agencia_dv=None, conta="56789", conta_dv="0",
         carteira="109", nosso_numero_inicio=1, nosso_numero_fim=99_999_999, layout="400", layout_versao="",
         juros_percentual="1.0000", multa_percentual="2.0000", protesto_dias=None, baixa_dias=60,
         pix_chave=None, conta_contabil="1.1.02"),
    dict(name="Sicoob cobrança 1", banco="756", agencia="3069", conta="123456", conta_dv="7",
         codigo_beneficiario="1234567", carteira="1", modalidade="01", nosso_numero_inicio=1,
         nosso_numero_fim=9_999_999, layout="240", layout_versao="081", juros_percentual="1.0000",
         multa_percentual="2.0000", baixa_dias=60, pix_chave="11222333000181", conta_contabil="1.1.02"),
)


def load(runtime, rnd: random.Random, echo) -> dict:
    from core.doctype.service import create_doc
    from core.models import Company
    from plugins.bank_profiles.assignment import assign_boleto
    from plugins.bank_profiles.models import Boleto, PaymentProfile
    from plugins.bank_profiles.profiles import profile_label
    from plugins.receivables.models import CONTRACT_ACTIVE, INVOICE_OPEN, Charge, Contract, Invoice

    with unit_of_work(runtime.engine) as s:
        company_id = s.scalar(select(Company.id).order_by(Company.id))
        if company_id is None:
            return {}
        profiles = [create_doc(s, PaymentProfile, {**data, "company_id": company_id}, runtime=runtime)
                    for data in PROFILES]
        contracts = list(s.scalars(select(Contract).where(Contract.company_id == company_id,
                                                          Contract.status == CONTRACT_ACTIVE).order_by(Contract.id)))
        chosen = [c for c in contracts if rnd.random() < 0.35]
        for i, c in enumerate(chosen):
            p = profiles[i % 2]
            c.payment_profile_id, c.wallet = p.id, profile_label(p)
        s.flush()
        boletos = 0
        ids = [c.id for c in chosen]
        for start in range(0, len(ids), 500):
            invoices = s.scalars(select(Invoice).where(
                Invoice.status == INVOICE_OPEN,
                Invoice.id.in_(select(Charge.invoice_id).where(Charge.contract_id.in_(ids[start:start + 500]))),
                Invoice.id.not_in(select(Boleto.invoice_id))).order_by(Invoice.id)).all()
            for inv in invoices:
                inv.wallet = s.get(Contract, s.scalar(select(Charge.contract_id).where(
                    Charge.invoice_id == inv.id, Charge.contract_id.is_not(None)).limit(1))).wallet
                if assign_boleto(s, inv) is not None:
                    boletos += 1
        echo(f"  perfis de pagamento: {len(profiles)}; contratos com perfil: {len(chosen)}; boletos: {boletos}")
    return {"payment_profiles": len(profiles), "contracts_with_profile": len(chosen), "boletos": boletos}
