""""Imprimir cheque" of a write-off paid by cheque (Baixar Pagamento, "Sobre a impressão de cheques"):
layout per credit account from the settings (positions in mm — checked on the real PDF with
`pdftotext -bbox`), nominal / not nominal, value in words (kernel's extenso), city and date, "Bom Para"
only when the account date differs from the write-off date and the parameter is on; refusals (no cheque,
no layout, reversed); page route, list link and CLI. Rendered with pdftoppm (kept in test-artifacts/)."""

from __future__ import annotations

import re
import subprocess
from datetime import date

import pytest
from fastapi.testclient import TestClient

from core.db import unit_of_work
from core.errors import ValidationError
from core.web.app import create_app
from plugins.payables.cheque_print import cheque_data, cheque_pdf, words_lines
from plugins.payables.reversal import reverse_writeoff
from plugins.payables.settings import settings_of
from plugins.payables.tests.payables_writeoff_world import PAID_ON, inst, make, seed_writeoff  # noqa: F401
from plugins.payables.writeoff import WriteOffRequest, write_off
from plugins.receivables.tests.printing_support import ink_ratio, need_poppler, pdf_text, render_pages
from tests.browser.uisupport import add_user, login
from tests.cli_runner import cli_invoker

MM = 72 / 25.4
LAYOUT = {"city": "São Paulo"}  # every position: the standard cheque's default


def _words(pdf: bytes, tmp_path, name: str) -> list[tuple[str, float, float]]:
    """(word, xMin, yMax) in points from the page's top-left, read by `pdftotext -bbox`."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return [(w, float(x), float(y)) for x, y, w in re.findall(
        r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', html)]


def _at(words, text: str) -> tuple[float, float]:
    return next((x, y) for w, x, y in words if w == text)


def _keep(pages, name: str) -> None:
    import shutil
    from pathlib import Path

    out = Path(__file__).resolve().parents[3] / "test-artifacts"
    out.mkdir(exist_ok=True)
    for i, page in enumerate(pages, start=1):
        shutil.copy(page, out / f"payables_{name}_{i}.png")


def _pay(rt, code: int, **kw) -> int:
    with unit_of_work(rt.engine) as s:
        return write_off(s, inst(s, code), WriteOffRequest(**{"paid_on": PAID_ON, **kw}), runtime=rt).id


def test_cheque_at_the_accounts_layout(make, tmp_path):
    need_poppler()
    rt = make(cheque_layouts={"1.1.1.02": LAYOUT}, cheque_good_for=True)
    seed_writeoff(rt.engine, rt)
    wo = _pay(rt, 1, cheque_number="000123", account_date=date(2026, 12, 7))
    with unit_of_work(rt.engine, readonly=True) as s:
        d = cheque_data(s, wo, settings_of(rt))
        pdf = cheque_pdf(s, wo, runtime=rt)
        plain = cheque_pdf(s, wo, runtime=rt, nominal=False)
    assert d["words"] == "trezentos e trinta e três reais e trinta e quatro centavos"
    assert (d["payee"], d["city_date"], d["good_for"]) == ("Atacado de Links S.A.", "São Paulo, 05 de dezembro de 2026",
                                                           date(2026, 12, 7))
    text = " ".join(pdf_text(pdf, tmp_path, "cheque").split())
    for expected in ("R$ 333,34***", "trezentos e trinta e três reais e trinta e quatro centavos",
                     "Atacado de Links S.A.", "São Paulo, 05 de dezembro de 2026", "Bom Para 07/12/2026",
                     "Cheque nº 000123 · fatura 1"):
        assert expected in text, expected
    assert "Atacado de Links" not in pdf_text(plain, tmp_path, "cheque-plain")  # not nominal: no name
    words = _words(pdf, tmp_path, "cheque-bbox")
    # positions: cheque origin (15, 15) mm + the field's position (x in mm; baseline ≈ y)
    for word, (x_mm, y_mm) in (("R$", (15 + 128, 15 + 13)), ("Bom", (15 + 8, 15 + 75)), ("Atacado", (15 + 14, 15 + 40)),
                               ("São", (15 + 80, 15 + 49))):
        x, y = _at(words, word)
        assert abs(x - x_mm * MM) < 1.5 and abs(y - y_mm * MM) < 4, (word, x / MM, y / MM)
    pages = render_pages(pdf, tmp_path, "cheque", dpi=60)
    assert len(pages) == 1 and ink_ratio(pages[0]) > 0.002
    _keep(render_pages(pdf, tmp_path, "cheque90", dpi=90), "cheque")
    # another layout for the same account moves the fields (layout is data)
    moved = make(cheque_layouts={"1.1.1.02": {**LAYOUT, "origin": [20, 40], "value": [100, 10]}})
    with unit_of_work(moved.engine, readonly=True) as s:
        words = _words(cheque_pdf(s, wo, runtime=moved), tmp_path, "cheque-moved")
    x, y = _at(words, "R$")
    assert abs(x - 120 * MM) < 1.5 and abs(y - 50 * MM) < 4
    assert not any(w == "Bom" for w, _x, _y in words)  # "Bom Para" parameter off


def test_refusals(make):
    rt = make(cheque_layouts={"1.1.1.02": LAYOUT}, cheque_good_for=True)
    ww = seed_writeoff(rt.engine, rt)
    no_cheque = _pay(rt, 1)
    other_account = _pay(rt, 2, cheque_number="77", cash_account_id=ww.accounts["1.1.1.01"])
    same_day = _pay(rt, 3, cheque_number="78")
    with unit_of_work(rt.engine, readonly=True) as s:
        with pytest.raises(ValidationError) as exc:
            cheque_pdf(s, no_cheque, runtime=rt)
        assert str(exc.value) == "A baixa da fatura 1 não foi paga com cheque (Documento/Cheque vazio)."
        with pytest.raises(ValidationError) as exc:
            cheque_pdf(s, other_account, runtime=rt)
        assert str(exc.value) == ("A conta 1.1.1.01 - Caixa geral não tem layout de cheque cadastrado "
                                  "([plugins.payables.cheque_layouts.\"1.1.1.01\"]).")
        assert cheque_data(s, same_day, settings_of(rt))["good_for"] is None  # same date: no "Bom Para"
    with unit_of_work(rt.engine) as s:
        reverse_writeoff(s, inst(s, 3), reason="Cheque devolvido", on=date(2026, 12, 6))
    with unit_of_work(rt.engine, readonly=True) as s, pytest.raises(ValidationError) as exc:
        cheque_pdf(s, same_day, runtime=rt)
    assert "foi estornada" in str(exc.value)
    with pytest.raises(ValidationError):
        words_lines("palavra " * 60, 100, 100)  # does not fit the two lines


def test_page_link_and_cli(make, database_url, tmp_path, monkeypatch):
    need_poppler()
    rt = make(cheque_layouts={"1.1.1.02": LAYOUT})
    seed_writeoff(rt.engine, rt)
    wo = _pay(rt, 1, cheque_number="000123")
    _pay(rt, 2)
    add_user(rt.engine, "ana", permissions=["payables.invoice.write_off"])
    with TestClient(create_app(rt)) as client:
        login(client, "ana")
        listing = client.get("/pagar/faturas?situacao=").text
        assert listing.count('data-doc="cheque"') == 1 and f'/pagar/baixas/{wo}/cheque.pdf' in listing
        r = client.get(f"/pagar/baixas/{wo}/cheque.pdf")
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
        assert "Atacado de Links S.A." in pdf_text(r.content, tmp_path, "web")
        r = client.get(f"/pagar/baixas/{wo}/cheque.pdf?nominal=0")
        assert "Atacado de Links" not in pdf_text(r.content, tmp_path, "web-plain")
    run = cli_invoker(rt, database_url, tmp_path, monkeypatch, ["payables"])
    with (tmp_path / "quita.toml").open("a", encoding="utf-8") as toml:  # the layout as in a real quita.toml
        toml.write('\n[plugins.payables.cheque_layouts."1.1.1.02"]\ncity = "São Paulo"\nvalue = [128, 13]\n')
    out = run("pagar", "cheque", "--fatura", "1", "--saida", str(tmp_path / "c.pdf"))
    assert out.exit_code == 0, out.output
    assert "trezentos e trinta e três reais" in pdf_text((tmp_path / "c.pdf").read_bytes(), tmp_path, "cli")
    out = run("pagar", "cheque", "--fatura", "2", "--saida", str(tmp_path / "d.pdf"))
    assert out.exit_code == 2 and "não foi paga com cheque" in out.output
