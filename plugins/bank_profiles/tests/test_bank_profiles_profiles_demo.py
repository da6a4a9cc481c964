"""`quita demo` with bank_profiles: an Itaú and a Sicoob profile for the first demo company,
some contracts on them, and their open invoices with boletos that decode back to the invoice."""

from __future__ import annotations

from sqlalchemy import func, select

from core.db import unit_of_work
from core.demo import load_demo
from plugins.bank_profiles.boleto.codigo_barras import decodificar
from plugins.bank_profiles.models import Boleto, PaymentProfile
from plugins.receivables.models import Invoice


def test_demo_creates_profiles_and_boletos(runtime):
    out = []
    counts = load_demo(runtime, customers=60, seed=3, echo=out.append)
    assert counts["payment_profiles"] == 2 and counts["contracts_with_profile"] > 0 and counts["boletos"] > 0
    with unit_of_work(readonly=True) as s:
        assert sorted(s.scalars(select(PaymentProfile.banco))) == ["341", "756"]
        from core.ledger.models import Account

        for p in s.scalars(select(PaymentProfile)):  # a demo retorno settles into an existing bank account
            assert s.scalar(select(Account.kind).where(Account.company_id == p.company_id,
                                                       Account.code == p.conta_contabil)) == "bank", p.conta_contabil
        assert s.scalar(select(func.count()).select_from(Boleto)) == counts["boletos"]
        for b, inv in s.execute(select(Boleto, Invoice).join(Invoice, Invoice.id == Boleto.invoice_id)):
            back = decodificar(b.linha_digitavel, inv.issue_date)
            assert (back.valor, back.vencimento) == (inv.total, inv.due_date)
            assert inv.wallet.startswith(("Itaú 109", "Sicoob 1"))
        per_profile = s.execute(select(Boleto.profile_id, func.min(Boleto.nosso_numero), func.max(Boleto.nosso_numero),
                                       func.count()).group_by(Boleto.profile_id)).all()
        assert all((lo, hi) == (1, n) for _p, lo, hi, n in per_profile)  # gapless per profile
    assert any("perfis de pagamento: 2" in line for line in out)
