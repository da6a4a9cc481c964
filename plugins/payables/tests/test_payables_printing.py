"""PDFs of contas a pagar: recibo da baixa, autorização de pagamento and borderô — real PDFs read back
with `pdftotext -layout` and rendered with `pdftoppm` (page count, no blank page)."""

from __future__ import annotations

import pytest

from core.db import unit_of_work
from core.errors import ValidationError
from plugins.payables.bordero import bordero
from plugins.payables.delete import delete_invoice
from plugins.payables.launch import launch_invoice
from plugins.payables.printing import bordero_pdf, payment_authorisation_pdf, writeoff_receipt_pdf
from plugins.payables.reversal import reverse_writeoff
from plugins.payables.tests.payables_writeoff_world import PAID_ON, inst, make, seed_writeoff  # noqa: F401
from plugins.payables.writeoff import WriteOffRequest, write_off
from plugins.receivables.tests.printing_support import ink_ratio, need_poppler, pdf_text, render_pages


@pytest.fixture
def rt(make):
    need_poppler()
    return make(effective_entry=True)  # "Lançamento Efetivado": the receipt shows "(compensado)"


def _pay(rt, code, **kw):
    with unit_of_work(rt.engine) as s:
        return write_off(s, inst(s, code), WriteOffRequest(**{"paid_on": PAID_ON, **kw}), runtime=rt).id


def _keep(pages, name: str) -> None:
    """Rendered pages kept in test-artifacts/ for a human look."""
    import shutil
    from pathlib import Path

    out = Path(__file__).resolve().parents[3] / "test-artifacts"
    out.mkdir(exist_ok=True)
    for i, page in enumerate(pages, start=1):
        shutil.copy(page, out / f"payables_{name}_{i}.png")


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_receipt_of_a_writeoff_in_two_copies(rt, tmp_path):
    seed_writeoff(rt.engine, rt)
    wo_id = _pay(rt, 1, interest="10,00", discount="2,00", cheque_number="000123", cheque_cleared=True)
    with unit_of_work(rt.engine, readonly=True) as s:
        pdf = writeoff_receipt_pdf(s, wo_id)
    pages = render_pages(pdf, tmp_path, "recibo", dpi=90)
    _keep(pages, "recibo")
    text = _flat(pdf_text(pdf, tmp_path, "recibo"))
    for expected in ("RECIBO DE PAGAMENTO", "Fatura a pagar 1 · Via do fornecedor", "Via da empresa",
                     "Recebi(emos) de Provedor 1 Ltda, 11.222.333/0001-81, a importância de R$ 341,34 (trezentos e "
                     "quarenta e um reais e trinta e quatro centavos)", "referente ao pagamento da fatura 1 (4512-1, "
                     "parcela 1/3, documento 4512 série 1), vencimento em 05/12/2026, paga em 05/12/2026",
                     "Valor da fatura R$ 333,34", "(+) Juros R$ 10,00", "(-) Desconto R$ 2,00",
                     "(=) Valor pago R$ 341,34", "000123 (compensado)", "Assinatura do fornecedor",
                     "Atacado de Links S.A. (código 1)", "CNPJ", "11.444.777/0001-61", "1.1.1.02 - Banco do Brasil c/c"):
        assert expected in text, expected
    assert text.count("Recebi(emos)") == 2 and "Taxa financeira" not in text
    assert len(pages) == 1 and ink_ratio(pages[0]) > 0.01


def test_receipt_of_a_partial_writeoff_names_the_remainder_and_reversed_has_none(rt, tmp_path):
    seed_writeoff(rt.engine, rt)
    from datetime import date

    wo_id = _pay(rt, 1, paid="100,00", new_due_date=date(2027, 1, 15))
    with unit_of_work(rt.engine, readonly=True) as s:
        text = _flat(pdf_text(writeoff_receipt_pdf(s, wo_id), tmp_path, "parcial"))
    assert "referente ao pagamento parcial da fatura 1" in text
    assert "Parte da fatura baixada R$ 100,00" in text and "R$ 233,34 na fatura 4, venc. 15/01/2027" in text
    with unit_of_work(rt.engine) as s:
        reverse_writeoff(s, inst(s, 1), reason="Erro", on=PAID_ON)
    with unit_of_work(rt.engine, readonly=True) as s, pytest.raises(ValidationError, match="foi estornada"):
        writeoff_receipt_pdf(s, wo_id)


def test_payment_authorisation(rt, tmp_path):
    ww = seed_writeoff(rt.engine, rt, standard_note="Pagar por boleto; conferir o pedido 77.")
    with unit_of_work(rt.engine, readonly=True) as s:
        pdf = payment_authorisation_pdf(s, ww.invoice_id)
    pages = render_pages(pdf, tmp_path, "autorizacao", dpi=90)
    _keep(pages, "autorizacao")
    text = _flat(pdf_text(pdf, tmp_path, "autorizacao"))
    for expected in ("AUTORIZAÇÃO DE PAGAMENTO", "Lançamento nº 1", "Atacado de Links S.A. (código 1) · CNPJ "
                     "11.444.777/0001-61", "4512/1", "05/11/2026", "Crediário", "Links", "410 - Compra de link de "
                     "internet", "Valor total R$ 1.000,00", "(=) Valor a pagar R$ 1.000,00",
                     "D 4.1.03 - Link de internet (atacado) R$ 1.000,00", "C 2.1.01 - Fornecedores a pagar R$ 1.000,00",
                     "Parcelas (3)", "1 4512-1 05/12/2026 R$ 333,34 Em aberto", "3 4512-3 03/02/2027 R$ 333,33 Em aberto",
                     "Observação: Pagar por boleto; conferir o pedido 77.", "Solicitado por", "Autorizado por",
                     "Financeiro"):
        assert expected in text, expected
    assert len(pages) == 1 and ink_ratio(pages[0]) > 0.01
    with unit_of_work(rt.engine) as s:
        delete_invoice(s, inst(s, 1), reason="Duplicada", runtime=rt)
    with unit_of_work(rt.engine, readonly=True) as s, pytest.raises(ValidationError, match="foi excluída"):
        payment_authorisation_pdf(s, ww.invoice_id)


def test_bordero_pdf_lists_paid_and_open_installments_with_totals_over_pages(rt, tmp_path):
    ww = seed_writeoff(rt.engine, rt)
    _pay(rt, 1, interest="10,00", fee="1,50", discount="2,00", abatement="3,00")
    _pay(rt, 2)
    with unit_of_work(rt.engine, readonly=True) as s:
        b = bordero(s, company_id=ww.w.company_id, codes=[1, 2, 3])
        pdf = bordero_pdf(s, b)
    text = _flat(pdf_text(pdf, tmp_path, "bordero"))
    assert "BORDERÔ DE PAGAMENTO" in text and "3 fatura(s) · 2 baixada(s)" in text
    assert "1 Atacado de Links S.A. 4512/1 05/12/2026 333,34 11,50 5,00 339,84 05/12/2026" in text
    assert "3 Atacado de Links S.A. 4512/1 03/02/2027 333,33 333,33 a pagar" in text
    assert "Total 1.000,00 11,50 5,00 1.006,50" in text
    assert "Total a pagar/pago: R$ 1.006,50 (mil e seis reais e cinquenta centavos)" in text
    with unit_of_work(rt.engine) as s:  # 36 + 36 + 3 installments: the table goes on to a second page
        for doc in ("A1", "A2"):
            launch_invoice(s, ww.w.request(document=doc, installments=36, category="Links"), runtime=rt)
    with unit_of_work(rt.engine, readonly=True) as s:
        b = bordero(s, company_id=ww.w.company_id, codes=list(range(1, 76)))
        pdf = bordero_pdf(s, b)
    pages = render_pages(pdf, tmp_path, "bordero-longo", dpi=90)
    _keep(pages, "bordero")
    assert len(pages) == 2 and all(ink_ratio(p) > 0.005 for p in pages)
    text = pdf_text(pdf, tmp_path, "bordero-longo")
    assert text.count("Fornecedor") == 2 and "75 fatura(s)" in text and "3.000,00" in text
