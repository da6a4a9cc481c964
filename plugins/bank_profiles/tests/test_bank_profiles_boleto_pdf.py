"""The boleto's ficha de compensação in the invoice PDF (`draw_invoice_payment_slip`): real billing
with payment profiles, the real PDF rendered with `pdftoppm -r 300` and read back with `zbarimg`
(the I2of5 must be the boleto's 44 digits, the QR the stored PIX BR Code) and `pdftotext`."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from core.db import unit_of_work
from plugins.bank_profiles.boleto_pdf import bank_code_with_dv
from plugins.bank_profiles.models import Boleto
from plugins.bank_profiles.tests.profiles_world import ITAU, SICOOB, seed
from plugins.receivables.billing import run_billing
from plugins.receivables.models import Invoice
from plugins.receivables.printing import invoice_pdf
from plugins.receivables.tests.conftest import Factory

pytestmark = pytest.mark.skipif(not all(shutil.which(t) for t in ("pdftoppm", "pdftotext", "zbarimg")),
                                reason="poppler-utils and zbar-tools are needed")

ITAU_FULL = dict(ITAU, juros_percentual="1", multa_percentual="2", desconto_valor="5.00", protesto_dias=10)


@pytest.fixture
def factory():
    return Factory


def _render(pdf: bytes, tmp_path: Path) -> list[Path]:
    (tmp_path / "doc.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "300", "-png", str(tmp_path / "doc.pdf"), str(tmp_path / "page")], check=True)
    return sorted(tmp_path.glob("page*.png"))


def _decode(png: Path) -> list[tuple[str, str]]:
    """(symbology, data) of every code zbar finds on the page."""
    out = subprocess.run(["zbarimg", "-q", str(png)], capture_output=True, text=True).stdout
    found = []
    for line in out.splitlines():
        kind, _sep, data = line.partition(":")
        found.append((kind, data))
    return found


def _text(pdf: bytes, tmp_path: Path) -> str:
    (tmp_path / "t.pdf").write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(tmp_path / "t.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout


def _with_address():
    from core.parties.models import Party

    with unit_of_work() as s:
        for p in s.scalars(select(Party)):
            p.name, p.document = "Maria da Conceição Souza", "52998224725"
            p.street, p.number, p.district, p.city, p.uf, p.cep = ("Rua das Acácias", "120", "Centro", "Maringá",
                                                                   "PR", "87013000")


def _invoices_with_boleto(s):
    return s.execute(select(Invoice, Boleto).join(Boleto, Boleto.invoice_id == Invoice.id)
                     .order_by(Boleto.profile_id, Boleto.nosso_numero)).all()


def test_bank_code_dv_as_printed_on_boletos():
    assert [bank_code_with_dv(b) for b in ("341", "001", "237", "104", "748", "756", "033")] == [
        "341-7", "001-9", "237-2", "104-0", "748-X", "756-0", "033-7"]
    assert bank_code_with_dv("999") == "999-" + str(11 - (9 * 2 + 9 * 3 + 9 * 4) % 11)


def test_invoice_pdf_draws_the_ficha_with_decodable_barcode(runtime, factory, tmp_path):
    seed(factory, contracts=1, profiles=(ITAU_FULL,))
    _with_address()
    run_billing(runtime, "2026-12")
    with unit_of_work(readonly=True) as s:
        (inv, boleto), = _invoices_with_boleto(s)
        pdf = invoice_pdf(s, [inv.id], runtime=runtime)
        digits, linha, nn = boleto.codigo_barras, boleto.linha_digitavel, boleto.nosso_numero_formatado
    pages = _render(pdf, tmp_path)
    codes = _decode(pages[0])
    assert ("I2/5", digits) in codes, codes
    assert not [k for k, _d in codes if k == "QR-Code"]  # the Itaú profile has no PIX key
    text = _text(pdf, tmp_path)
    assert linha in text and len(linha) == 54  # "34191.09008 00001.…"
    assert nn in text and nn.startswith("109/00000001-")
    for words in ("341-7", "Itaú", "Local de pagamento", "Nosso número", "Agência / Código do beneficiário",
                  "1234/56789-0", "texto de responsabilidade do beneficiário", "multa de 2%", "juros de 1% ao mês",
                  "Conceder desconto de R$ 5,00", "Protestar após 10 dias", "(=) Valor cobrado", "Código de baixa",
                  "Autenticação mecânica", "Pagador", "R$ 99,90", "Maria da Conceição Souza — CPF 529.982.247-25",
                  "Rua das Acácias, 120 - Centro", "Maringá/PR - CEP 87013-000", "(-) Desconto / Abatimento"):
        assert words in text, words
    assert "Pagamento em carteira" not in text  # receivables' default slip was not drawn
    # the invoice's own note follows the profile's terms too (not the deployment's 0,033 % a day)
    assert "Após o vencimento: multa de 2% e juros de 1% ao mês." in text


def test_hybrid_boleto_has_the_pix_qr_code(runtime, factory, tmp_path):
    seed(factory, contracts=1, profiles=(SICOOB,))
    run_billing(runtime, "2026-12")
    with unit_of_work(readonly=True) as s:
        (inv, boleto), = _invoices_with_boleto(s)
        pdf = invoice_pdf(s, [inv.id], runtime=runtime)
        digits, brcode = boleto.codigo_barras, boleto.pix_brcode
    assert brcode
    codes = _decode(_render(pdf, tmp_path)[0])
    assert ("I2/5", digits) in codes, codes
    assert ("QR-Code", brcode) in codes, codes
    text = _text(pdf, tmp_path)
    assert "Pague com PIX" in text and "756-0" in text


def test_invoice_without_boleto_keeps_the_carteira_slip(runtime, factory, tmp_path):
    seed(factory, contracts=1, profiles=(ITAU,), assign=[None])
    run_billing(runtime, "2026-12")
    with unit_of_work(readonly=True) as s:
        inv = s.scalar(select(Invoice))
        assert s.scalar(select(Boleto)) is None
        pdf = invoice_pdf(s, [inv.id], runtime=runtime)
    assert "Pagamento em carteira" in _text(pdf, tmp_path)
    assert not _decode(_render(pdf, tmp_path)[0])


def test_carne_of_three_invoices_decodes_three_barcodes(runtime, factory, tmp_path):
    seed(factory, contracts=1, profiles=(SICOOB,))
    _with_address()
    for month in ("2026-12", "2027-01", "2027-02"):
        run_billing(runtime, month)
    with unit_of_work(readonly=True) as s:
        rows = _invoices_with_boleto(s)
        assert len(rows) == 3
        pdf = invoice_pdf(s, [inv.id for inv, _b in rows], runtime=runtime)
        expected = {b.codigo_barras for _i, b in rows}
        brcodes = {b.pix_brcode for _i, b in rows}
        lines = [b.linha_digitavel for _i, b in rows]
    pages = _render(pdf, tmp_path)
    assert len(pages) == 1
    codes = _decode(pages[0])
    assert {d for k, d in codes if k == "I2/5"} == expected
    assert {d for k, d in codes if k == "QR-Code"} == brcodes
    text = _text(pdf, tmp_path)
    assert all(line in text for line in lines)
    assert text.count("Parcela") == 3
    assert text.count("Pague com PIX") == 3 and text.count("Maria da Conceição Souza — CPF 529.982.247-25") == 3
