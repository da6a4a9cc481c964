"""core.pdf (the shared reportlab helpers) and core.br.extenso (valor por extenso), checked on real
PDFs read back by poppler (`pdftotext`, `pdftoppm`)."""

import shutil
import subprocess
import types
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from core.br.extenso import money_in_words, number_in_words
from core.pdf import (MARGIN, PAGE_HEIGHT, PAGE_WIDTH, Box, Column, address_lines, company_header, cut_line,
                      document_bytes, draw_table, draw_text, fit_text, format_date, mm, wrap_text)

COMPANY = types.SimpleNamespace(name="Provedor Exemplo Ltda", trade_name="Conexão Já", cnpj="11222333000181",
                                street="Rua XV de Novembro", number="200", complement=None, district="Centro",
                                city="Curitiba", uf="PR", cep="80020310", phone="(41) 3000-0000", email=None,
                                site="www.conexaoja.com.br")


def _poppler(tool):
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} ausente: instale poppler-utils (make test instala)")


def _text(pdf: bytes, tmp_path) -> str:
    _poppler("pdftotext")
    path = tmp_path / "k.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def _pages(pdf: bytes, tmp_path) -> int:
    _poppler("pdftoppm")
    path = tmp_path / "p.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "20", "-png", str(path), str(tmp_path / "p")], check=True)
    return len(list(tmp_path.glob("p-*.png")))


def test_formats_and_address():
    assert format_date(date(2026, 12, 10)) == "10/12/2026"
    assert format_date(datetime(2026, 1, 2, 3, 4, tzinfo=timezone.utc)) == "02/01/2026"
    assert format_date(datetime(2026, 1, 2, 2, 30, tzinfo=timezone.utc)) == "01/01/2026"  # 23:30 in São Paulo
    assert format_date(None) == ""
    assert address_lines(COMPANY) == ["Rua XV de Novembro, 200 - Centro", "Curitiba/PR - CEP 80020-310"]
    assert address_lines(types.SimpleNamespace(name="Sem endereço")) == []
    box = Box(10, 20, 100, 50)
    assert (box.top, box.right) == (70, 110)
    left, right = box.split_left(30, gap=10)
    assert (left.width, right.x, right.width) == (30, 50, 60)
    top, rest = box.split_top(20)
    assert (top.y, rest.height) == (50, 30)


def test_text_fitting_wrapping_and_encoding():
    long = "Mensalidade do plano de acesso Fibra 300 Mega com descrição muito comprida"
    cut = fit_text(long, 100)
    assert cut.endswith("…") and len(cut) < len(long)
    assert fit_text("curto", 100) == "curto"
    lines = wrap_text(long, 120)
    assert len(lines) > 1 and " ".join(lines) == long
    assert len(wrap_text(long * 5, 120, max_lines=2)) == 2
    assert fit_text("Preço ≈ 10 ✂", 500) == "Preço ? 10 ?"  # outside WinAnsi ⇒ "?", never a broken PDF


def test_document_with_header_table_and_page_breaks(tmp_path):
    rows = [(f"Conta {i}", format_date(date(2026, 12, 10)), f"R$ {i},00") for i in range(1, 121)]
    columns = [Column("Descrição", 300), Column("Vencimento", 90, "center"), Column("Valor", 90, "right")]
    frame = Box(MARGIN, MARGIN, PAGE_WIDTH - 2 * MARGIN, PAGE_HEIGHT - 2 * MARGIN)

    def build(c):
        y = company_header(c, COMPANY, frame, title="DOCUMENTO", subtitle="Nº 7")

        def new_page():
            c.showPage()
            return frame.top

        y = draw_table(c, frame.x, y - 10, columns, rows, new_page=new_page)
        draw_text(c, frame.x, y - 12, "Fim da tabela — São Paulo", bold=True)
        cut_line(c, 30 * mm)

    pdf = document_bytes(build, title="Teste", subject="tabela", author=COMPANY.name)
    assert pdf == document_bytes(build, title="Teste", subject="tabela", author=COMPANY.name)  # deterministic
    text = _text(pdf, tmp_path)
    assert "Conexão Já" in text and "Provedor Exemplo Ltda" in text and "CNPJ 11.222.333/0001-81" in text
    assert "Rua XV de Novembro, 200 - Centro" in text and "(41) 3000-0000 · www.conexaoja.com.br" in text
    assert "DOCUMENTO" in text and "Conta 120" in text and "R$ 120,00" in text
    assert "Fim da tabela — São Paulo" in text and "corte aqui" in text
    assert text.count("Descrição") == _pages(pdf, tmp_path) >= 3  # the header repeats on every page


def test_table_without_page_break_says_what_was_left_out(tmp_path):
    rows = [(f"Linha {i}",) for i in range(50)]

    def build(c):
        draw_table(c, MARGIN, 200, [Column("Descrição", 200)], rows)  # bottom = MARGIN

    text = _text(document_bytes(build, title="t"), tmp_path)
    shown = sum(1 for i in range(50) if f"Linha {i}\n" in text or f"Linha {i} " in text)
    assert 0 < shown < 50
    assert f"… mais {50 - shown} linha(s)" in text


@pytest.mark.parametrize("value, words", [
    ("90.00", "noventa reais"),
    ("0.50", "cinquenta centavos"),
    ("1.01", "um real e um centavo"),
    ("99.90", "noventa e nove reais e noventa centavos"),
    ("100", "cem reais"),
    ("101", "cento e um reais"),
    ("1000", "mil reais"),
    ("1100", "mil e cem reais"),
    ("2050", "dois mil e cinquenta reais"),
    ("1234.56", "mil duzentos e trinta e quatro reais e cinquenta e seis centavos"),
    ("21021", "vinte e um mil e vinte e um reais"),
    ("1000000", "um milhão de reais"),
    ("1200000", "um milhão e duzentos mil reais"),
    ("2000000.10", "dois milhões de reais e dez centavos"),
    ("0", "zero reais"),
])
def test_money_in_words(value, words):
    assert money_in_words(Decimal(value)) == words


def test_number_in_words_limits():
    assert number_in_words(14) == "quatorze" and number_in_words(1_000_001) == "um milhão e um"
    with pytest.raises(ValueError):
        number_in_words(-1)
    with pytest.raises(ValueError):
        money_in_words(Decimal("-1.00"))
