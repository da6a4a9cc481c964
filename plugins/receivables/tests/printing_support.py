"""Shared by the printing tests: a customer billed by the real billing run (three months of a
contract ⇒ three invoices), one invoice settled, and the real PDF tools (`pdftoppm`, `pdftotext`)."""

from __future__ import annotations

import shutil
import subprocess
import types
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from core.db import unit_of_work

COMPETENCES = ("2026-10", "2026-11", "2026-12")
CUSTOMER = "Maria da Conceição Araújo"
CPF = "52998224725"  # a valid CPF (check digits), used in examples


def need_poppler() -> None:
    for tool in ("pdftoppm", "pdftotext"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} ausente: instale poppler-utils (make test instala)")


def seed_world(runtime, factory) -> types.SimpleNamespace:
    """Company with address; Maria (PF, CPF, address); contract Fibra 300 Mega R$ 99,90 active since
    01/10/2026, billed for 10, 11 and 12/2026 (due 10/11/2026, 10/12/2026, 10/01/2027)."""
    from core.parties.services import create_party
    from plugins.receivables.billing import run_billing
    from plugins.receivables.models import Invoice

    with unit_of_work(runtime.engine) as s:
        f = factory(s)
        company = f.company()
        company.trade_name = "Fibra Rápida Internet"
        company.street, company.number, company.district = "Av. Paulista", "1000", "Bela Vista"
        company.city, company.uf, company.cep = "São Paulo", "SP", "01310100"
        company.phone, company.email = "(11) 3333-4444", "financeiro@fibrarapida.com.br"
        party = create_party(s, person_type="PF", name=CUSTOMER, document=CPF, classification="cliente",
                             email="maria@exemplo.com.br", street="Rua das Acácias", number="45",
                             complement="apto 12", district="Jardim Paulistano", city="São Paulo", uf="SP",
                             cep="01452000")
        plan, rule = f.plan(), f.due_rule()
        f.contract(party, company, plan, rule, activated_on=date(2026, 10, 1))
        company_id, party_id = company.id, party.id
    for comp in COMPETENCES:
        run_billing(runtime, comp)
    with unit_of_work(runtime.engine, readonly=True) as s:
        invoices = list(s.scalars(select(Invoice).where(Invoice.party_id == party_id).order_by(Invoice.due_date)))
        assert [i.total for i in invoices] == [Decimal("99.90")] * 3
        return types.SimpleNamespace(company_id=company_id, party_id=party_id, invoice_ids=[i.id for i in invoices],
                                     numbers=[i.number for i in invoices], due=[i.due_date for i in invoices])


def settle(runtime, invoice_id: int, *, amount: str = "90.00", paid_on: date = date(2026, 11, 9)) -> int:
    """Settle with "Outros (sem integração)" (no ledger entry); returns the settlement id."""
    from plugins.receivables.models import Invoice
    from plugins.receivables.settlement import settle_invoice
    from plugins.receivables.settlement_models import METHOD_OTHER

    with unit_of_work(runtime.engine) as s:
        out = settle_invoice(s, s.get(Invoice, invoice_id), paid_on=paid_on, amount=Decimal(amount),
                             method=METHOD_OTHER, justification="Pago no balcão", runtime=runtime)
        return out.settlement.id


def pdf_text(pdf: bytes, tmp_path: Path, name: str = "doc") -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def render_pages(pdf: bytes, tmp_path: Path, name: str = "doc", dpi: int = 60) -> list[Path]:
    """Each page rendered to PNG by pdftoppm (sorted by page)."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(path), str(tmp_path / name)], check=True)
    return sorted(tmp_path.glob(f"{name}-*.png"))


def ink_ratio(png: Path) -> float:
    """Share of non-white pixels of a rendered page (a blank page ⇒ 0)."""
    from PIL import Image

    img = Image.open(png).convert("L")
    hist = img.histogram()
    dark = sum(hist[:200])
    return dark / (img.width * img.height)
