"""Delivering the notes: "Enviar e-mail ao cliente" (kernel action → outbox row → handler → a REAL
SMTP server, aiosmtpd on 127.0.0.1, the same server class as the invoice e-mail tests) with the PDF
attached; "Imprimir documento fiscal" through the web route and the customer-panel tab; and
`quita fiscal imprimir | email` through the real command line. Every path marks the note delivered."""

from __future__ import annotations

import subprocess

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from core.actions import run_action
from core.db import unit_of_work
from core.errors import ValidationError
from core.models.outbox import PENDING, OutboxMessage
from core.outbox import dispatch_pending
from core.parties.models import Party
from core.web.app import create_app
from plugins.fiscal_nf2122.models import FiscalDocument
from plugins.fiscal_nf2122.tests.fiscal_docs_world import ENABLED, SETTINGS, documents, make_runtime, seed
from plugins.receivables.messages_models import MESSAGE_SENT, SentMessage
from plugins.receivables.tests.test_mail import smtp  # noqa: F401 (fixture: the invoice e-mails' SMTP server)
from tests.browser.uisupport import add_user, login
from tests.cli_runner import cli_invoker
from tests.worldkit import runtime_maker

GENERATE, CANCEL, SEND = ("fiscal_nf2122.invoice.generate", "fiscal_nf2122.document.cancel",
                          "fiscal_nf2122.document.send_email")


@pytest.fixture
def world(database_url, smtp):
    settings = {**SETTINGS, "receivables": {"email": {"host": "127.0.0.1", "port": smtp.port, "timeout_seconds": 10,
                                                      "from_address": "fiscal@provedor.com.br"}}}
    with runtime_maker(make_runtime) as make:
        rt = make(database_url, settings)
        w = seed(rt)
        assert len(run_action(rt, GENERATE, w.ids, {"confirmed": True}, w.admin).done) == 4
        with unit_of_work(rt.engine) as s:
            ana = s.get(FiscalDocument, documents(rt)[0].id).party_id
            s.get(Party, ana).email = "ana@cliente.com.br"
        w.rt, w.smtp, w.docs = rt, smtp, documents(rt)
        yield w


def _pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "anexo.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def _delivered(rt) -> list[bool]:
    return [d.delivered_at is not None for d in documents(rt)]


def test_email_action_outbox_smtp_with_the_pdf_attached(world, tmp_path):
    rt, d1, d2 = world.rt, world.docs[0], world.docs[1]
    result = run_action(rt, SEND, [d1.id, d2.id], {"subject": "Sua nota #cliente#"}, world.admin)
    assert result.done == [d1.id]
    with unit_of_work(rt.engine, readonly=True) as s:
        bruno = s.get(Party, d2.party_id)
        (msg,) = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "fiscal_nf2122.document_email")).all()
        assert msg.status == PENDING and msg.payload["document_ids"] == [d1.id]
    assert [b.message for b in result.refused[d2.id]] == [f"O cliente {bruno.code} não possui e-mail cadastrado"]
    assert _delivered(rt) == [True, False, False, False]  # queued ⇒ delivered: it can't be annulled anymore
    assert world.smtp.inbox.messages == []  # nothing leaves before the outbox runs
    assert dispatch_pending(rt) == 1
    ((mail_from, rcpt, parsed),) = world.smtp.inbox.messages
    assert mail_from == "fiscal@provedor.com.br" and rcpt == ["ana@cliente.com.br"]
    assert parsed["Subject"] == "Sua nota Ana Souza"
    body = parsed.get_body(preferencelist=("plain",)).get_content()
    assert "NF 21 série U nº 1 de" in body and "R$ 99,90" in body
    (attachment,) = list(parsed.iter_attachments())
    assert attachment.get_filename() == "nf21-U-000000001.pdf" and attachment.get_content_type() == "application/pdf"
    text = _pdf_text(attachment.get_content(), tmp_path)
    assert "NOTA FISCAL DE SERVIÇO DE COMUNICAÇÃO – MODELO 21" in text and "000.000.001" in text
    with unit_of_work(rt.engine, readonly=True) as s:
        assert s.get(OutboxMessage, msg.id).status == "done"
        (log,) = s.scalars(select(SentMessage)).all()
        assert (log.status, log.recipient, log.party_id) == (MESSAGE_SENT, "ana@cliente.com.br", d1.party_id)
        assert log.invoice_ids == [d1.invoice_id]

    # a destination typed in the dialog (and copies) for the customer without e-mail
    done = run_action(rt, SEND, [d2.id], {"email": "financeiro@bruno.com", "cc": "contador@bruno.com; eu@bruno.com",
                                          "body": "Segue a nota.\n#notas#"}, world.admin)
    assert done.done == [d2.id]
    assert dispatch_pending(rt) == 1
    _from, rcpt, parsed = world.smtp.inbox.messages[1]
    assert rcpt == ["financeiro@bruno.com", "contador@bruno.com", "eu@bruno.com"]
    assert parsed["Cc"] == "contador@bruno.com, eu@bruno.com"
    body = parsed.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    assert body.startswith("Segue a nota.\nNF 21 série U nº 2")
    with pytest.raises(ValidationError, match="E-mail inválido: sem-arroba"):
        run_action(rt, SEND, [d2.id], {"email": "sem-arroba"}, world.admin)


def test_cancelled_note_is_not_sent(world):
    rt, d1 = world.rt, world.docs[0]
    run_action(rt, CANCEL, [d1.id], {"motivo": "erro", "confirmed": True}, world.admin)
    refused = run_action(rt, SEND, [d1.id], {}, world.admin)
    assert [b.message for b in refused.refused[d1.id]] == ["NF 21 série U nº 1 está cancelado: não pode ser enviado."]


def test_print_route_and_panel_tab(world):
    rt, d3 = world.rt, world.docs[2]
    add_user(rt.engine, "maria", admin=True)
    add_user(rt.engine, "ana", roles=["atendimento"])
    with TestClient(create_app(rt)) as client:
        login(client, "maria")
        tab = client.get(f"/pessoas/{d3.party_id}/painel/aba/documentos-fiscais")
        assert tab.status_code == 200
        assert "Imprimir documento fiscal" in tab.text and "Enviar e-mail ao cliente" in tab.text
        assert 'form="fiscal-print-form"' in tab.text and 'action="/fiscal/documentos/pdf"' in tab.text
        pdf = client.get(f"/fiscal/documentos/pdf?ids={d3.id}")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.headers["content-disposition"] == 'inline; filename="nf21-U-000000003.pdf"'
        assert _delivered(rt) == [False, False, True, False]
        assert client.get("/fiscal/documentos/pdf").status_code == 400
        assert client.get("/fiscal/documentos/pdf?ids=99999").status_code == 404
        dialog = client.get(f"/acoes/{SEND}/dialogo?ids={d3.id}")
        assert dialog.status_code == 200 and "E-mail de destino" in dialog.text and "Destinos em cópia" in dialog.text
        client.cookies.clear()
        login(client, "ana")  # without fiscal_nf2122.document.print
        assert client.get(f"/fiscal/documentos/pdf?ids={world.docs[3].id}").status_code == 403
    assert _delivered(rt)[3] is False


def test_print_and_email_from_the_command_line(world, database_url, tmp_path, monkeypatch):
    rt = world.rt
    cli = cli_invoker(rt, database_url, tmp_path, monkeypatch, ENABLED, {"fiscal_nf2122": {"serie": "U"}})
    d1, d2, d3, d4 = world.docs
    out = cli("fiscal", "imprimir", str(d3.id), str(d4.id), "--out", str(tmp_path / "notas.pdf"))
    assert out.exit_code == 0 and "2 documento(s) em" in out.output, out.output
    text = _pdf_text((tmp_path / "notas.pdf").read_bytes(), tmp_path)
    assert "Carla Dias" in text and "Delta Telecom Ltda" in text
    assert _delivered(rt) == [False, False, True, True]
    refused = cli("fiscal", "email", str(d2.id))
    assert refused.exit_code == 1 and "não possui e-mail cadastrado" in refused.output
    assert _delivered(rt) == [False, False, True, True]  # nothing written on refusal
    out = cli("fiscal", "email", str(d1.id))
    assert out.exit_code == 0 and "1 e-mail(s) na fila de saída" in out.output, out.output
    assert _delivered(rt) == [True, False, True, True]
    missing = cli("fiscal", "imprimir", "99999", "--out", str(tmp_path / "x.pdf"))
    assert missing.exit_code == 1 and "Documento fiscal 99999 não encontrado." in missing.output


def test_nfcom_document_prints_its_danfe_and_mails_its_xml(world, tmp_path):
    """A modelo 62 document (its `FiscalNFCom` row with the nfcomProc, as the NFCom flow keeps it)
    prints as the DANFE-COM in the same PDF as an NF 21, and its e-mail carries the XML too."""
    from datetime import datetime, timezone

    from plugins.fiscal_nf2122.models import FiscalNFCom
    from plugins.fiscal_nf2122.nfcom.certificado import carregar_pfx
    from plugins.fiscal_nf2122.nfcom.signature import assinar_nfcom
    from plugins.fiscal_nf2122.nfcom.soap import nfcom_proc
    from plugins.fiscal_nf2122.nfcom.xml_builder import montar_nfcom
    from plugins.fiscal_nf2122.printing import print_documents
    from plugins.fiscal_nf2122.tests.nfcom_support import SENHA, dados_exemplo, gerar_pfx
    from plugins.fiscal_nf2122.tests.test_fiscal_danfe_com import _protocolo

    rt, d1 = world.rt, world.docs[0]
    caminho, _cert = gerar_pfx(tmp_path / "a1.pfx")
    montada = montar_nfcom(dados_exemplo(ambiente=1))
    assinado = assinar_nfcom(montada.xml, carregar_pfx(caminho, SENHA))
    proc = nfcom_proc(assinado, _protocolo(montada.chave.texto))
    with unit_of_work(rt.engine) as s:
        base = s.get(FiscalDocument, d1.id)
        base.status, base.situacao = "cancelado", "S"  # one living document per invoice
        s.flush()
        doc = FiscalDocument(company_id=base.company_id, invoice_id=base.invoice_id, party_id=base.party_id,
                             dest_document=base.dest_document, dest_name=base.dest_name, dest_uf=base.dest_uf,
                             model=62, serie="1", number=123, issue_date=base.issue_date, period=base.period,
                             status="gerado", situacao="N", valor_total=montada.totais.v_nf)
        s.add(doc)
        s.flush()
        s.add(FiscalNFCom(document_id=doc.id, chave=montada.chave.texto, cnf="1234567", tp_emis=1, tp_amb=1,
                          fin_nfcom=0, emitted_at=datetime(2026, 11, 5, 13, 30, tzinfo=timezone.utc),
                          estado="autorizada", xml_assinado=assinado, qrcode="x", nfcom_proc=proc))
        nfcom_id = doc.id
    with unit_of_work(rt.engine) as s:
        pdf = print_documents(s, [world.docs[2].id, nfcom_id])
    text = _pdf_text(pdf.content, tmp_path)
    assert text.count("\f") == 2 and "NOTA FISCAL DE SERVIÇO DE COMUNICAÇÃO – MODELO 21" in text
    assert "DANFE-COM" in text and "3412600000012345 - 05/11/2026 10:30:05" in text
    assert run_action(rt, SEND, [nfcom_id], {}, world.admin).done == [nfcom_id]
    assert dispatch_pending(rt) == 1
    _from, rcpt, parsed = world.smtp.inbox.messages[-1]
    pdf_part, xml_part = parsed.iter_attachments()
    assert pdf_part.get_filename() == "nf62-1-000000123.pdf"
    assert "DANFE-COM" in _pdf_text(pdf_part.get_content(), tmp_path)
    assert xml_part.get_filename() == f"{montada.chave.texto}-nfcom.xml"
    assert xml_part.get_content() == proc
