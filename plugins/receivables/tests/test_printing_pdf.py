"""Printing ("Imprimir Fatura", carnê, "Imprimir recibo de liquidação") on real invoices: a contract
billed for three months by the real billing run, one invoice settled; the PDFs are rendered by
`pdftoppm` (page count, no blank page) and read back by `pdftotext -layout` (customer, number,
dates, values in pt-BR). Manual: "Se desejar imprimir em formato de carnê … selecionar todas as
faturas que farão parte do carnê … será gerado um único PDF com todas as faturas selecionadas."
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from core.db import unit_of_work
from core.errors import NotFound, ValidationError
from core.runtime import bootstrap, set_current
from hooks import hookimpl
from plugins.receivables.models import Invoice
from plugins.receivables.printing import (LAYOUT_CARNE, LAYOUT_INVOICE, print_invoices, print_settlement_receipts,
                                          settlement_receipt_pdf)
from plugins.receivables.tests.printing_support import (CUSTOMER, ink_ratio, need_poppler, pdf_text, render_pages,
                                                        seed_world, settle)
from tests.conftest import make_config
from tests.pluginkit import plugin_module
from tests.worldkit import runtime_maker


@pytest.fixture(autouse=True)
def _poppler():
    need_poppler()


@pytest.fixture
def world(runtime, factory):
    return seed_world(runtime, factory)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_one_invoice_is_an_a4_fatura_with_its_data(runtime, world, tmp_path):
    with unit_of_work(readonly=True) as s:
        pdf = print_invoices(s, [world.invoice_ids[1]], runtime=runtime)
    assert pdf.filename == f"fatura-{world.numbers[1]}.pdf"
    assert pdf.content.startswith(b"%PDF-")
    pages = render_pages(pdf.content, tmp_path, "fatura")
    assert len(pages) == 1 and ink_ratio(pages[0]) > 0.01
    text = pdf_text(pdf.content, tmp_path, "fatura")
    flat = _squash(text)
    assert CUSTOMER in text  # accents survive (WinAnsi fonts)
    assert "CPF 529.982.247-25" in text
    assert "Fibra Rápida Internet" in text and "CNPJ 11.222.333/0001-81" in text
    assert "Av. Paulista, 1000 - Bela Vista" in text and "São Paulo/SP - CEP 01310-100" in text
    assert "Rua das Acácias, 45 - apto 12 - Jardim Paulistano" in text
    assert f"Nº {world.numbers[1]}" in text
    assert "10/12/2026" in text and "30/11/2026" in text  # due date; issue = due − 10 days
    assert "01/11/2026 a 30/11/2026" in text  # reference period of the month's charge
    assert "Fibra 300 Mega" in text and "R$ 99,90" in text
    assert "Total da fatura R$ 99,90" in flat
    assert "Aberta" in text and "Competência" in text and "11/2026" in text
    assert "Forma de pagamento" in text and "Crediário" in text
    # the deployment's interest rule (defaults: 2 % multa, 0,033 % a day) as an instruction
    assert "Após o vencimento: multa de 2% e juros de 0,033% ao dia." in text
    # nobody answered draw_invoice_payment_slip: the plain carteira slip
    assert "Pagamento em carteira" in text and "Beneficiário" in text and "Autenticação mecânica" in text


def test_interest_note_follows_the_payment_form(runtime, world, tmp_path):
    """Manual: juros "somente para faturas que tenham a forma de pagamento Crediário"; multa para todas."""
    with unit_of_work() as s:
        s.execute(update(Invoice).where(Invoice.id == world.invoice_ids[1]).values(payment_form="cartao"))
    with unit_of_work(readonly=True) as s:
        text = pdf_text(print_invoices(s, [world.invoice_ids[1]], runtime=runtime).content, tmp_path)
    assert "Cartão" in text
    assert "Após o vencimento: multa de 2%." in text and "juros de" not in text


def test_settled_invoice_shows_the_discount_and_the_settlement(runtime, world, tmp_path):
    settle(runtime, world.invoice_ids[0], amount="90.00")
    with unit_of_work(readonly=True) as s:
        text = pdf_text(print_invoices(s, str(world.invoice_ids[0]), runtime=runtime).content, tmp_path)
    flat = _squash(text)
    assert "Liquidada" in text
    assert f"Desconto na liquidação da fatura {world.numbers[0]}" in text and "-R$ 9,90" in text
    assert "Valor das contas R$ 99,90" in flat and "(-) Descontos e abatimentos -R$ 9,90" in flat
    assert "Total da fatura R$ 90,00" in flat
    assert "Liquidação em 09/11/2026: R$ 90,00 recebido." in text
    assert "FATURA LIQUIDADA em 09/11/2026: não pague novamente." in text


def test_several_invoices_make_one_carne(runtime, world, tmp_path):
    # selected out of order: the carnê follows the due dates
    ids = [world.invoice_ids[2], world.invoice_ids[0], world.invoice_ids[1]]
    with unit_of_work(readonly=True) as s:
        pdf = print_invoices(s, ids, runtime=runtime)
    assert pdf.filename == "carne-maria-da-conceicao-araujo.pdf"
    pages = render_pages(pdf.content, tmp_path, "carne")
    assert len(pages) == 1 and ink_ratio(pages[0]) > 0.01  # three slips per A4 page
    text = pdf_text(pdf.content, tmp_path, "carne")
    for n in (1, 2, 3):
        assert text.count(f"Parcela {n} de 3") == 2  # stub and slip
    assert "Parcela 2 de 3" in text
    order = [text.index(d) for d in ("10/11/2026", "10/12/2026", "10/01/2027")]
    assert order == sorted(order)
    assert text.count(CUSTOMER) >= 3 and text.count("R$ 99,90") >= 6
    assert text.count("corte aqui") == 2  # between the three slips
    for number in world.numbers:
        assert re.search(rf"\b{number}\b", text)


def test_carne_of_seven_invoices_uses_three_pages(runtime, world, factory, tmp_path):
    from plugins.receivables.billing import run_billing

    for comp in ("2027-01", "2027-02", "2027-03", "2027-04"):
        run_billing(runtime, comp)
    with unit_of_work(readonly=True) as s:
        ids = list(s.scalars(select(Invoice.id).where(Invoice.party_id == world.party_id)))
        pdf = print_invoices(s, ids, runtime=runtime)
    assert len(ids) == 7
    pages = render_pages(pdf.content, tmp_path, "carne7")
    assert len(pages) == 3 and all(ink_ratio(p) > 0.005 for p in pages)
    text = pdf_text(pdf.content, tmp_path, "carne7")
    assert "Parcela 7 de 7" in text and text.count("\f") >= 2


def test_many_charges_continue_on_a_second_page(runtime, world, tmp_path):
    """An invoice with 40 charges: the table continues on a second page, the slip stays on the first."""
    from plugins.receivables.models import Charge

    inv_id = world.invoice_ids[2]
    with unit_of_work() as s:
        inv = s.get(Invoice, inv_id)
        for i in range(40):
            s.add(Charge(party_id=inv.party_id, company_id=inv.company_id, description=f"Serviço adicional {i + 1}",
                         amount=Decimal("1.00"), due_date=inv.due_date, competence=date(2026, 12, 1), status="faturada",
                         invoice_id=inv.id, origin="avulsa"))
        inv.total += Decimal("40.00")
    with unit_of_work(readonly=True) as s:
        pdf = print_invoices(s, [inv_id], runtime=runtime)
    pages = render_pages(pdf.content, tmp_path, "longa")
    assert len(pages) == 2 and all(ink_ratio(p) > 0.003 for p in pages)
    first, second = pdf_text(pdf.content, tmp_path, "longa").split("\f")[:2]
    assert "Pagamento em carteira" in first and "Pagamento em carteira" not in second
    assert "(continuação, página 2)" in second and "Serviço adicional 40" in second
    assert "Total da fatura R$ 139,90" in _squash(second)


def test_printing_refusals(runtime, world, factory):
    with unit_of_work() as s:
        s.execute(update(Invoice).where(Invoice.id == world.invoice_ids[2]).values(status="excluida"))
        f = factory(s)
        other_party = f.party("Outro Cliente")
        other = Invoice(party_id=other_party.id, company_id=world.company_id, number=999, issue_date=date(2026, 12, 1),
                        due_date=date(2026, 12, 10), total=Decimal("10.00"), status="aberta")
        s.add(other)
        s.flush()
        other_id = other.id
    with unit_of_work(readonly=True) as s:
        with pytest.raises(ValidationError, match="Selecione ao menos uma fatura."):
            print_invoices(s, "", runtime=runtime)
        with pytest.raises(ValidationError, match="Identificador de fatura inválido: abc"):
            print_invoices(s, "1,abc", runtime=runtime)
        with pytest.raises(NotFound, match="Fatura 987654 não encontrada."):
            print_invoices(s, [987654], runtime=runtime)
        with pytest.raises(ValidationError, match=f"A fatura {world.numbers[2]} está com status de excluída"):
            print_invoices(s, world.invoice_ids, runtime=runtime)
        with pytest.raises(ValidationError, match="As faturas de um carnê devem ser do mesmo cliente"):
            print_invoices(s, [world.invoice_ids[0], other_id], runtime=runtime)
        with pytest.raises(ValidationError, match=f"A fatura {world.numbers[0]} pertence a outra empresa."):
            print_invoices(s, [world.invoice_ids[0]], runtime=runtime, company_id=world.company_id + 1000)


def test_settlement_receipt_pdf(runtime, world, tmp_path):
    sid = settle(runtime, world.invoice_ids[0], amount="90.00")
    with unit_of_work(readonly=True) as s:
        pdf = print_settlement_receipts(s, [world.invoice_ids[0]])
        by_id = settlement_receipt_pdf(s, sid)
    assert pdf.filename == f"recibo-fatura-{world.numbers[0]}.pdf"
    assert by_id == pdf.content  # deterministic bytes, same receipt by either entry point
    pages = render_pages(pdf.content, tmp_path, "recibo")
    assert len(pages) == 1 and ink_ratio(pages[0]) > 0.01
    text = pdf_text(pdf.content, tmp_path, "recibo")
    flat = _squash(text)
    assert "RECIBO DE LIQUIDAÇÃO" in text
    assert "Via do cliente" in text and "Via da empresa" in text  # two copies with a cut line
    assert (f"Recebemos de {CUSTOMER}, CPF 529.982.247-25, a importância de R$ 90,00 (noventa reais), referente "
            f"à liquidação da fatura nº {world.numbers[0]}, vencimento em 10/11/2026, paga em 09/11/2026.") in flat
    assert "Valor da fatura R$ 99,90" in flat and "(-) Desconto R$ 9,90" in flat
    assert "(+) Juros R$ 0,00" in flat and "(+) Multa R$ 0,00" in flat and "(+) Acréscimo R$ 0,00" in flat
    assert "(=) Valor recebido R$ 90,00" in flat
    assert "Outros (sem integração)" in text and "Pago no balcão" in text
    assert "São Paulo, 09/11/2026" in text and "Provedor 1 Ltda" in text  # place, date, signature


def test_receipt_refused_without_settlement_or_after_reversal(runtime, world):
    from plugins.receivables.settlement import reverse_settlement
    from plugins.receivables.settlement_models import Settlement

    with unit_of_work(readonly=True) as s:
        with pytest.raises(ValidationError, match=f"A fatura {world.numbers[1]} não possui liquidação para emitir "
                                                  "recibo."):
            print_settlement_receipts(s, [world.invoice_ids[1]])
    sid = settle(runtime, world.invoice_ids[1], amount="99.90", paid_on=date(2026, 12, 10))
    with unit_of_work() as s:
        reverse_settlement(s, s.get(Settlement, sid), on=date(2026, 12, 11), justification="Cheque devolvido",
                           runtime=runtime)
    with unit_of_work(readonly=True) as s:
        with pytest.raises(ValidationError, match=f"A fatura {world.numbers[1]} não possui liquidação"):
            print_settlement_receipts(s, [world.invoice_ids[1]])
        with pytest.raises(ValidationError, match=f"A liquidação {sid} da fatura {world.numbers[1]} foi estornada "
                                                  "em 11/12/2026"):
            settlement_receipt_pdf(s, sid)
        with pytest.raises(NotFound, match="Liquidação 424242 não encontrada."):
            settlement_receipt_pdf(s, 424242)


def test_cli_invoices_pdf(runtime, world, tmp_path, monkeypatch):
    from core.cli import build_app

    cli_app = build_app(runtime.plugins)
    monkeypatch.setenv("QUITA_CONFIG", str(_write_config(tmp_path, runtime)))
    out = tmp_path / "carne.pdf"
    ids = ",".join(str(i) for i in world.invoice_ids)
    result = CliRunner().invoke(cli_app, ["invoices", "pdf", "--ids", ids, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "carne.pdf" in result.output
    assert "Parcela 3 de 3" in pdf_text(out.read_bytes(), tmp_path, "cli")
    bad = CliRunner().invoke(cli_app, ["invoices", "pdf", "--ids", "999999"])
    assert bad.exit_code == 2
    assert "Fatura 999999 não encontrada." in bad.output + (getattr(bad, "stderr", "") or "")


def _write_config(tmp_path, runtime):
    from core.config import BUILTIN_PLUGINS

    path = tmp_path / "quita.toml"
    enabled = ", ".join(f'"{p}"' for p in BUILTIN_PLUGINS)
    path.write_text(f'[database]\nurl = "{runtime.engine.url.render_as_string(hide_password=False)}"\n\n'
                    f"[plugins]\nenabled = [{enabled}]\n", encoding="utf-8")
    return path


# --- the hook -------------------------------------------------------------------------------------

@pytest.fixture
def hook_rt(database_url):
    def build(modules):
        return bootstrap(make_config(database_url, enabled=["receivables", *modules]), extra_plugins=modules,
                         make_current=False)

    with runtime_maker(build) as make:
        yield make


def test_hook_draw_invoice_payment_slip(hook_rt, factory, tmp_path):
    """A bank plugin answers for its wallet and draws its own slip (a marker text) in the box; an
    invoice of another wallet gets the plain carteira slip; a plugin answering None changes nothing."""
    seen = []

    @hookimpl
    def draw_invoice_payment_slip(canvas, box, invoice, session, layout):
        seen.append((invoice.number, layout, box))
        if invoice.wallet != "banco_teste":
            return None
        assert session.get(Invoice, invoice.id) is invoice  # the printing unit of work
        canvas.setFont("Helvetica-Bold", 12)
        canvas.drawString(box.x + 10, box.y + box.height / 2, f"FICHA BANCO TESTE {invoice.number} {layout}")
        canvas.setDash(1, 1)  # state changes are undone by receivables after the call
        return True

    @hookimpl
    def silent(canvas, box, invoice, session, layout):
        return None

    rt = hook_rt({"banco_teste": plugin_module("banco_teste", draw_invoice_payment_slip=draw_invoice_payment_slip),
                  "silent_slip": plugin_module("silent_slip", draw_invoice_payment_slip=silent)})
    set_current(rt)
    w = seed_world(rt, factory)
    with unit_of_work(rt.engine) as s:
        s.execute(update(Invoice).where(Invoice.id.in_(w.invoice_ids[:2])).values(wallet="banco_teste"))
    with unit_of_work(rt.engine, readonly=True) as s:
        one = pdf_text(print_invoices(s, [w.invoice_ids[0]], runtime=rt).content, tmp_path, "h1")
        carne = print_invoices(s, w.invoice_ids, runtime=rt).content
    assert f"FICHA BANCO TESTE {w.numbers[0]} {LAYOUT_INVOICE}" in one
    assert "Pagamento em carteira" not in one
    text = pdf_text(carne, tmp_path, "h2")
    assert f"FICHA BANCO TESTE {w.numbers[0]} {LAYOUT_CARNE}" in text
    assert f"FICHA BANCO TESTE {w.numbers[1]} {LAYOUT_CARNE}" in text
    assert text.count("Pagamento em carteira") == 1 and "Beneficiário" in text  # third: the default slip
    assert "Parcela 3 de 3" in text and text.count("Parcela 1 de 3") == 1  # stub stays; slip 1 is the bank's
    first_box = seen[0][2]
    assert seen[0][:2] == (w.numbers[0], LAYOUT_INVOICE) and first_box.height > 250  # ~95 mm
    carne_boxes = [b for _, layout, b in seen if layout == LAYOUT_CARNE]
    assert len(carne_boxes) == 3 and len({round(b.y) for b in carne_boxes}) == 3  # three slips, one page
    assert all(b.x > 150 for b in carne_boxes)  # right of the stub
    assert len(render_pages(carne, tmp_path, "h2")) == 1
