""""Imprimir documento fiscal": the NF 21/22 via única as a real PDF (read back with pdftotext,
rendered with pdftoppm), several documents in one PDF, the CANCELADA stamp and the substitute's
reference; printing marks the note delivered, so annulling it afterwards is refused (manual:
"Gerei a nota de número 5 …")."""

from __future__ import annotations

import subprocess

import pytest
from sqlalchemy import select

from core.actions import run_action
from core.db import unit_of_work
from core.errors import NotFound, ValidationError
from core.models.audit import AuditEntry
from plugins.fiscal_nf2122.models import FiscalDocument
from plugins.fiscal_nf2122.printing import format_md5, format_number, print_documents
from plugins.fiscal_nf2122.tests.fiscal_docs_world import documents, rt, seed  # noqa: F401 (rt: fixture)

GENERATE, CANCEL = "fiscal_nf2122.invoice.generate", "fiscal_nf2122.document.cancel"
ANNUL = "fiscal_nf2122.document.annul"


def pdf_text(content: bytes, tmp_path, name: str = "nf.pdf", mode: str = "-layout") -> str:
    """The PDF's text; `mode="-raw"` keeps the rotated stamp's letters together."""
    path = tmp_path / name
    path.write_bytes(content)
    return subprocess.run(["pdftotext", mode, str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def pdf_pages(content: bytes, tmp_path) -> int:
    path = tmp_path / "pages.pdf"
    path.write_bytes(content)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


@pytest.fixture
def world(rt):
    w = seed(rt)
    assert len(run_action(rt, GENERATE, w.ids, {"confirmed": True}, w.admin).done) == 4
    return w


def test_formats():
    assert format_md5("0123456789abcdef0123456789ABCDEF") == "01234567.89ABCDEF.01234567.89ABCDEF"
    assert format_number(5) == "000.000.005" and format_number(999_999_999) == "999.999.999"


def test_print_marks_delivered_and_annul_is_refused(rt, world, tmp_path):
    d1, d2, d3, d4 = documents(rt)
    # note 2 cancelled with its substitute: note 5, situação R (the series' last note)
    run_action(rt, CANCEL, [d2.id], {"motivo": "Endereço errado", "substituir": True, "confirmed": True}, world.admin)
    d5 = documents(rt)[-1]
    assert (d5.number, d5.situacao) == (5, "R")
    with unit_of_work(rt.engine) as s:
        pdf = print_documents(s, [str(d5.id)], user=world.admin)
    assert pdf.filename == "nf21-U-000000005.pdf" and pdf.content.startswith(b"%PDF")
    text = pdf_text(pdf.content, tmp_path)
    assert "NOTA FISCAL DE SERVIÇO DE COMUNICAÇÃO – MODELO 21" in text and "VIA ÚNICA" in text
    assert "000.000.005" in text and "RESERVADO AO FISCO" in text
    assert format_md5(d5.md5) in text and len(format_md5(d5.md5)) == 35
    assert "Bruno Lima" in text and "111.444.777-35" in text  # d2/d5 = 2nd customer (MG)
    assert "Rua das Flores, 10" in text and "Inscrição estadual: 110042490114" in text
    assert "6307" in text  # CFOP of a customer in another UF
    assert "em substituição ao documento cancelado NF 21 série U nº 2" in text
    assert d5.reference in text
    assert "obs de Bruno Lima" in text
    assert "CANCELADA" not in pdf_text(pdf.content, tmp_path, mode="-raw")
    with unit_of_work(rt.engine, readonly=True) as s:
        assert s.get(FiscalDocument, d5.id).delivered_at is not None
        assert s.get(FiscalDocument, d4.id).delivered_at is None
        audit = s.scalar(select(AuditEntry).where(AuditEntry.action == "fiscal_nf2122.document.delivered",
                                                  AuditEntry.target_id == d5.id))
        assert audit is not None and audit.reason == "impresso"
    refused = run_action(rt, ANNUL, [d5.id], {"motivo": "erro", "confirmed": True}, world.admin)
    assert [b.message for b in refused.refused[d5.id]] == [
        "NF 21 série U nº 5 já foi entregue ao cliente; cancele o documento em vez de anular."]
    # the cancelled note prints with the stamp and its reason; it is not "delivered" again
    with unit_of_work(rt.engine) as s:
        cancelled = print_documents(s, [d2.id])
    text = pdf_text(cancelled.content, tmp_path, "cancelada.pdf", mode="-raw")
    assert "CANCELADA" in text and "Motivo: Endereço errado" in text and "000.000.002" in text
    with unit_of_work(rt.engine, readonly=True) as s:
        assert s.get(FiscalDocument, d2.id).delivered_at is None


def test_several_documents_in_one_pdf_and_refusals(rt, world, tmp_path):
    d1, d2, d3, d4 = documents(rt)
    with unit_of_work(rt.engine) as s:
        pdf = print_documents(s, [f"{d1.id},{d3.id}", str(d4.id)])
    assert pdf.filename == "documentos-fiscais.pdf"
    assert pdf_pages(pdf.content, tmp_path) == 3
    text = pdf_text(pdf.content, tmp_path)
    assert text.index("Ana Souza") < text.index("Carla Dias") < text.index("Delta Telecom Ltda")
    # Carla's plan SCM: ICMS 25 % on R$ 1.000,00 ⇒ base 1.000,00, ICMS 250,00
    assert "25,00%" in text and "R$ 250,00" in text and "R$ 1.000,00" in text
    assert "11.444.777/0001-61" in text
    with unit_of_work(rt.engine, readonly=True) as s:
        assert all(s.get(FiscalDocument, d.id).delivered_at is not None for d in (d1, d3, d4))
    # refusals: nothing printed, nothing marked
    with unit_of_work(rt.engine) as s:
        with pytest.raises(ValidationError, match="Selecione ao menos um documento fiscal."):
            print_documents(s, [])
        with pytest.raises(NotFound, match="Documento fiscal 9999 não encontrado."):
            print_documents(s, [d2.id, 9999])
        with pytest.raises(NotFound):
            print_documents(s, [d2.id], company_id=world.company_id + 1)
    with unit_of_work(rt.engine, readonly=True) as s:
        assert s.get(FiscalDocument, d2.id).delivered_at is None
    run_action(rt, ANNUL, [d4.id], {"motivo": "x", "confirmed": True}, world.admin)  # refused: delivered
    assert documents(rt)[3].status == "gerado"
