"""NFCom (modelo 62) documents end to end against the local SVRS emulator (real HTTPS with mutual
TLS, `nfcom_svrs_server.py`): generate from an invoice → sign with the company's PFX → transmit →
authorized with protocol; rejection and retransmission with the same number; communication failure
→ contingency (tpEmis 2) → transmitted later; cancellation (event 110111, 120-hour rule before
sending); substitution (finNFCom 3 + gSub); certificate refusals; numbering per (company, 62,
série) independent from the NF 21."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree
from sqlalchemy import select

from core.db import unit_of_work
from core.errors import ValidationError
from plugins.fiscal_nf2122.models import FiscalDocument, FiscalDocumentItem
from plugins.fiscal_nf2122.nfcom.chave import ler_chave
from plugins.fiscal_nf2122.nfcom.signature import verificar_assinatura
from plugins.fiscal_nf2122.nfcom.xsd import NS, problemas_xsd
from plugins.fiscal_nf2122.tests.fiscal_docs_world import SETTINGS, make_runtime, seed
from plugins.fiscal_nf2122.tests.nfcom_support import SENHA, gerar_pfx
from plugins.fiscal_nf2122.tests.nfcom_svrs_server import ServidorSVRS
from tests.worldkit import runtime_maker

CNPJ = "11222333000181"  # the world's company (Factory.company)
N = "{%s}" % NS


@pytest.fixture(scope="module")
def svrs(tmp_path_factory):
    pasta = tmp_path_factory.mktemp("svrs")
    with ServidorSVRS(pasta) as servidor:
        yield servidor


@pytest.fixture(scope="module")
def pfx(svrs, tmp_path_factory):
    """The company's A1, issued by the emulator's CA (so the mutual TLS accepts it)."""
    pasta = tmp_path_factory.mktemp("pfx")
    return gerar_pfx(pasta / "empresa1.pfx", cnpj=CNPJ, emissor=svrs.ac)[0]


def nfcom_settings(svrs, pfx, **empresa) -> dict:
    return {"fiscal_nf2122": {**SETTINGS["fiscal_nf2122"], "nfcom": {
        "urls": svrs.urls, "ca_file": svrs.ca_file, "timeout": 10, "empresas": {"1": {
            "modelo": 62, "certificado": str(pfx), "senha_certificado": SENHA, **empresa}}}}}


@dataclass
class World:
    rt: object
    w: object
    settings: object

    def session(self):
        return unit_of_work(self.rt.engine)


@pytest.fixture
def world(database_url, svrs, pfx):
    from plugins.fiscal_nf2122.settings import settings_of
    from plugins.fiscal_nf2122.tests.nfcom_svrs_server import Autorizador

    svrs.autorizador = Autorizador()  # the database is emptied after each test: so are the authorized notes

    with runtime_maker(make_runtime) as make:
        rt = make(database_url, nfcom_settings(svrs, pfx))
        w = seed(rt)
        with unit_of_work(rt.engine) as s:
            from core.models.company import Company
            from core.parties.models import Party

            company = s.get(Company, w.company_id)
            company.street, company.number, company.district = "Av. Paulista", "1000", "Bela Vista"
            company.ibge_code, company.cep, company.phone = "3550308", "01310100", "(11) 3333-4444"
            for party in s.scalars(select(Party)):
                party.district = "Centro"
        yield World(rt, w, settings_of(rt))


def _generate(world, index: int, settings=None):
    from plugins.fiscal_nf2122.documents import generate
    from plugins.receivables.models import Invoice

    with world.session() as s:
        doc = generate(s, s.get(Invoice, world.w.ids[index]), settings or world.settings)
        return doc.id


def _client(world, s, doc_id, settings=None):
    from plugins.fiscal_nf2122 import nfcom_docs

    return nfcom_docs.client_for(settings or world.settings, nfcom_docs.company_of(s, s.get(FiscalDocument, doc_id)))


def _transmit(world, doc_id, settings=None):
    from plugins.fiscal_nf2122 import nfcom_docs

    with world.session() as s:
        nf = nfcom_docs.transmit(s, doc_id, _client(world, s, doc_id, settings), settings=settings or world.settings)
        s.expunge(nf)
        return nf


def _nf(world, doc_id):
    from plugins.fiscal_nf2122.nfcom_docs import nfcom_of

    with world.session() as s:
        nf = nfcom_of(s, doc_id)
        s.expunge(nf)
        return nf


def test_generate_sign_transmit_authorized_and_numbering_apart_from_nf21(world, svrs):
    first, second = _generate(world, 0), _generate(world, 2)
    with world.session() as s:
        docs = [s.get(FiscalDocument, i) for i in (first, second)]
        assert [(d.model, d.serie, d.number, d.status, d.md5) for d in docs] == [
            (62, "1", 1, "gerado", None), (62, "1", 2, "gerado", None)]
        items = list(s.scalars(select(FiscalDocumentItem).where(FiscalDocumentItem.document_id == first)))
        assert {i.cclass for i in items} == {"0100401"}  # classificação 0104 → cClass 0100401
    nf = _nf(world, first)
    assert nf.estado == "aguardando" and nf.tp_emis == 1 and nf.tp_amb == 2 and nf.attempts == 0
    chave = ler_chave(nf.chave)
    assert (chave.cuf, chave.cnpj, chave.serie, chave.numero, chave.tp_emis) == ("35", CNPJ, 1, 1, 1)
    assert problemas_xsd(nf.xml_assinado) == []
    assert verificar_assinatura(nf.xml_assinado).valida
    xml = etree.fromstring(nf.xml_assinado)
    assert xml.findtext(f"{N}infNFCom/{N}emit/{N}CNPJ") == CNPJ
    assert xml.findtext(f"{N}infNFCom/{N}dest/{N}CPF") == "52998224725"
    assert xml.find(f"{N}infNFCom/{N}det/{N}imposto/{N}IBSCBS") is not None
    assert xml.find(f"{N}infNFCom/{N}det/{N}imposto/{N}ICMSSN") is not None  # CRT 1 (Simples Nacional)
    assert xml.findtext(f"{N}infNFCom/{N}total/{N}vNF") == "99.90"
    assert nf.qrcode.endswith(f"?chNFCom={nf.chave}&tpAmb=2")

    done = _transmit(world, first)
    assert done.estado == "autorizada" and done.c_stat == "100" and len(done.n_prot) == 16, done.x_motivo
    assert done.attempts == 1 and done.authorized_at is not None
    proc = etree.fromstring(done.nfcom_proc)
    assert proc.tag == f"{N}nfcomProc"
    assert proc.findtext(f"{N}protNFCom/{N}infProt/{N}nProt") == done.n_prot
    assert svrs.autorizador.notas[nf.chave].numero_protocolo == done.n_prot
    with world.session() as s:  # an authorized note is not sent again
        with pytest.raises(ValidationError, match="está autorizada: nada a transmitir"):
            from plugins.fiscal_nf2122.nfcom_docs import transmit

            transmit(s, first, _client(world, s, first))

    # the NF 21 série U of the same company has its own counter: it starts at 1
    nf21 = world.settings.model_copy(update={"nfcom": world.settings.nfcom.model_copy(update={"empresas": {}})})
    with world.session() as s:
        from plugins.fiscal_nf2122.documents import generate
        from plugins.receivables.models import Invoice

        doc21 = generate(s, s.get(Invoice, world.w.ids[3]), nf21)
        assert (doc21.model, doc21.serie, doc21.number) == (21, "U", 1)
    third = _generate(world, 1)
    with world.session() as s:
        doc = s.get(FiscalDocument, third)
        assert doc.number == 3  # gapless per (company, 62, série 1)
        from core.models.company import Company
        from plugins.fiscal_nf2122.period_files import generate_period

        with pytest.raises(ValidationError, match="os arquivos do Convênio 115 são só das notas modelo 21/22"):
            generate_period(s, s.get(Company, doc.company_id), doc.period, model=62, serie="1")


def test_rejection_keeps_the_number_and_the_corrected_note_is_authorized(world, svrs):
    wrong_env = world.settings.model_copy(deep=True)
    wrong_env.nfcom.empresas["1"].tp_amb = 1  # produção sent to the homologação emulator: 252
    doc_id = _generate(world, 0, wrong_env)
    rejected = _transmit(world, doc_id, wrong_env)
    assert (rejected.estado, rejected.c_stat) == ("rejeitada", "252")
    assert rejected.x_motivo == "Rejeição: Ambiente informado diverge do Ambiente de recebimento"
    from plugins.fiscal_nf2122 import nfcom_docs

    with world.session() as s:
        doc = s.get(FiscalDocument, doc_id)
        assert "rejeitada — cStat 252" in nfcom_docs.describe(doc, nfcom_docs.nfcom_of(s, doc))
        from plugins.fiscal_nf2122.panels import document_rows

        row = document_rows(s, doc.party_id)[0]  # the customer panel tab shows the state and the reason
        assert (row["status"], row["reason"]) == (
            "Gerado — NFCom rejeitada", "cStat 252: Rejeição: Ambiente informado diverge do Ambiente de recebimento")
    # corrected settings: the same number is rebuilt, re-signed and sent again
    done = _transmit(world, doc_id)
    assert done.estado == "autorizada" and done.tp_amb == 2 and done.attempts == 2
    assert ler_chave(done.chave).numero == 1 and ler_chave(done.chave).codigo == rejected.cnf
    second = _generate(world, 1)
    with world.session() as s:
        assert s.get(FiscalDocument, second).number == 2  # the rejected number stayed used


def test_communication_failure_contingency_then_later_transmission(world, svrs, pfx):
    from plugins.fiscal_nf2122 import nfcom_docs

    doc_id = _generate(world, 0)
    before = _nf(world, doc_id)
    svrs.modo = "http500"
    try:
        failed = _transmit(world, doc_id)
    finally:
        svrs.modo = None
    assert failed.estado == "aguardando" and failed.attempts == 1
    assert "HTTP 500" in failed.last_error and "contingência" in failed.last_error
    with world.session() as s:
        doc = s.get(FiscalDocument, doc_id)
        with pytest.raises(ValidationError, match="de 15 a 256 caracteres"):
            nfcom_docs.enter_contingency(s, doc, "curta", world.settings)
    with world.session() as s:
        nf = nfcom_docs.enter_contingency(s, s.get(FiscalDocument, doc_id),
                                          "Autorizador da SEFAZ fora do ar (HTTP 500)", world.settings)
        assert nf.estado == "contingencia"
    nf = _nf(world, doc_id)
    chave = ler_chave(nf.chave)
    assert chave.tp_emis == 2 and chave.numero == 1 and chave.codigo == before.cnf and nf.chave != before.chave
    xml = etree.fromstring(nf.xml_assinado)
    assert xml.findtext(f"{N}infNFCom/{N}ide/{N}tpEmis") == "2"
    assert xml.findtext(f"{N}infNFCom/{N}ide/{N}xJust") == "Autorizador da SEFAZ fora do ar (HTTP 500)"
    assert xml.findtext(f"{N}infNFCom/{N}ide/{N}dhCont")
    assert verificar_assinatura(nf.xml_assinado).valida and problemas_xsd(nf.xml_assinado) == []
    sign = nf.qrcode.split("&sign=")[1]  # RSA-SHA1 of the key, checked with the certificate's public key
    signer = verificar_assinatura(nf.xml_assinado).certificado
    signer.public_key().verify(base64.b64decode(sign), nf.chave.encode(), padding.PKCS1v15(), hashes.SHA1())

    with world.session() as s:
        assert [p.document_id for p in nfcom_docs.pending(s)] == [doc_id]
        sent = nfcom_docs.transmit_pending(s, nfcom_docs.client_factory(world.settings), settings=world.settings)
        assert [(p.estado, p.c_stat) for p in sent] == [("autorizada", "100")]
    assert svrs.autorizador.notas[nf.chave].xml.find(b"<tpEmis>2</tpEmis>") > 0


def test_cancel_within_the_deadline_and_refusals(world, svrs):
    from plugins.fiscal_nf2122.cancel import annul_problem, cancel_document, cancel_problem

    doc_id = _generate(world, 0)
    with world.session() as s:
        doc = s.get(FiscalDocument, doc_id)
        assert cancel_problem(doc) == ("NFCom série 1 nº 1 está aguardando transmissão: só a NFCom autorizada pode "
                                       "ser cancelada (a NFCom não tem inutilização: a rejeitada é corrigida e "
                                       "transmitida de novo).")
        assert annul_problem(s, doc) == "Somente notas modelo 21/22 podem ser anuladas."
    authorized = _transmit(world, doc_id)
    with world.session() as s:  # xJust of the event: 15 to 255 characters, refused before sending
        with pytest.raises(ValidationError, match="de 15 a 255 caracteres"):
            cancel_document(s, s.get(FiscalDocument, doc_id), "curto", settings=world.settings)
    # the 120-hour rule (MOC L11): authorized in an earlier month ⇒ refused before anything is sent
    with world.session() as s:
        from plugins.fiscal_nf2122.nfcom_docs import nfcom_of

        nf = nfcom_of(s, doc_id)
        real = nf.dh_recbto
        nf.dh_recbto = "2026-09-10T10:00:00-03:00"
        requests = len(svrs.pedidos)
        with pytest.raises(ValidationError, match=r"cancelamento fora do prazo: a NFCom autorizada em 10/09/2026 "
                                                  r"10:00 só podia ser cancelada até 06/10/2026 00:00 \(120 horas do mês seguinte"):
            cancel_document(s, s.get(FiscalDocument, doc_id), "Cliente cancelou o serviço", settings=world.settings)
        assert len(svrs.pedidos) == requests
        nf.dh_recbto = real
    with world.session() as s:
        cancel_document(s, s.get(FiscalDocument, doc_id), "Cobrança indevida do serviço", settings=world.settings)
    nf = _nf(world, doc_id)
    assert nf.estado == "cancelada" and nf.cancel_c_stat == "135" and len(nf.cancel_n_prot) == 16
    assert nf.cancel_x_just == "Cobrança indevida do serviço" and b"procEventoNFCom" in nf.cancel_xml
    assert svrs.autorizador.notas[authorized.chave].cancelamento[0] == nf.cancel_n_prot
    with world.session() as s:
        doc = s.get(FiscalDocument, doc_id)
        assert (doc.status, doc.number, doc.closed_reason) == ("cancelado", 1, "Cobrança indevida do serviço")


def test_substitution_points_gsub_to_the_cancelled_key(world, svrs):
    from plugins.fiscal_nf2122.cancel import cancel_document, cancel_problem

    doc_id = _generate(world, 0)
    original = _transmit(world, doc_id)
    with world.session() as s:
        new = cancel_document(s, s.get(FiscalDocument, doc_id), "Erro no valor da mensalidade",
                              settings=world.settings, substitute=True)
        new_id = new.id
        assert (new.number, new.replaces_id, new.invoice_id) == (2, doc_id, world.w.ids[0])
    sub = _nf(world, new_id)
    assert (sub.fin_nfcom, sub.sub_chave, sub.sub_motivo) == (3, original.chave, "01")
    xml = etree.fromstring(sub.xml_assinado)
    assert xml.findtext(f"{N}infNFCom/{N}ide/{N}finNFCom") == "3"
    assert xml.findtext(f"{N}infNFCom/{N}gSub/{N}chNFCom") == original.chave
    assert xml.findtext(f"{N}infNFCom/{N}gSub/{N}motSub") == "01"
    done = _transmit(world, new_id)
    assert done.estado == "autorizada", done.x_motivo
    with world.session() as s:  # a substitute (finNFCom 3) is not cancellable (cStat 524)
        assert cancel_problem(s.get(FiscalDocument, new_id)) == (
            "NFCom série 1 nº 2 é uma NFCom de substituição (finNFCom 3) e não pode ser cancelada (cStat 524).")


def test_certificate_refusals_leave_no_number_used(world, svrs, tmp_path):
    from plugins.fiscal_nf2122.settings import FiscalSettings

    base = world.settings.model_dump(mode="python")

    def settings_with(**empresa):
        data = {**base, "nfcom": {**base["nfcom"], "empresas": {"1": {
            **{k: v for k, v in base["nfcom"]["empresas"]["1"].items() if k != "senha_certificado"},
            "senha_certificado": SENHA, **empresa}}}}
        return FiscalSettings.model_validate(data)

    other, _cert = gerar_pfx(tmp_path / "outro.pfx", cnpj="11444777000161", emissor=svrs.ac)
    expired, _cert = gerar_pfx(tmp_path / "vencido.pfx", cnpj=CNPJ, emissor=svrs.ac,
                               inicio=datetime.now(timezone.utc) - timedelta(days=400), dias=30)
    cases = [
        (settings_with(certificado=None), r"Empresa 1: nenhum certificado A1 configurado para emitir NFCom"),
        (settings_with(certificado=str(other)), r"Empresa 1: o certificado A1 é do CNPJ 11444777000161, e o CNPJ "
                                                r"da empresa é 11222333000181\."),
        (settings_with(certificado=str(expired)), r"Empresa 1: certificado de PROVEDOR EXEMPLO LTDA:11222333000181 "
                                                  r"venceu em"),
        (settings_with(senha_certificado="errada"), r"Empresa 1: certificado PFX ilegível ou senha incorreta\."),
    ]
    for settings, message in cases:
        with pytest.raises(ValidationError, match=message) as info:
            _generate(world, 0, settings)
        assert "errada" not in str(info.value) and SENHA not in str(info.value)
    assert "senha-de-teste" not in repr(world.settings)
    with world.session() as s:
        assert list(s.scalars(select(FiscalDocument))) == []  # each refusal rolled back: nothing half-written
    assert _generate(world, 0) and _nf(world, _first_id(world)).chave[25:34] == "000000001"


def _first_id(world):
    with world.session() as s:
        return s.scalar(select(FiscalDocument.id).order_by(FiscalDocument.id))


def _cli(world, svrs, pfx, tmp_path, monkeypatch, database_url):
    """The real `quita` command line over a quita.toml with the NFCom settings of the company."""
    from typer.testing import CliRunner

    from core.cli import build_app

    urls = ", ".join(f'{k} = "{v}"' for k, v in svrs.urls.items())
    (tmp_path / "quita.toml").write_text(
        f'[database]\nurl = "{database_url}"\n\n[plugins]\nenabled = ["receivables", "fiscal_nf2122"]\n\n'
        f'[plugins.fiscal_nf2122]\nserie = "U"\n\n[plugins.fiscal_nf2122.nfcom]\nca_file = "{svrs.ca_file}"\n'
        f'timeout = 10\nurls = {{ {urls} }}\n\n[plugins.fiscal_nf2122.nfcom.empresas."1"]\nmodelo = 62\n'
        f'certificado = "{pfx}"\nsenha_certificado = "{SENHA}"\n', encoding="utf-8")
    monkeypatch.setenv("QUITA_CONFIG", str(tmp_path / "quita.toml"))
    app, runner = build_app(world.rt.plugins), CliRunner()

    def run(*args):
        out = runner.invoke(app, list(args))
        assert SENHA not in out.output
        return out

    return run


def test_command_line_transmit_status_consult_cancel_contingency(world, svrs, pfx, tmp_path, monkeypatch,
                                                                 database_url):
    import json

    cli = _cli(world, svrs, pfx, tmp_path, monkeypatch, database_url)
    first = _generate(world, 0)
    out = cli("nfcom", "transmitir", "--pendentes")
    assert out.exit_code == 0 and "1 autorizada(s), 0 não autorizada(s)." in out.output, out.output
    rows = json.loads(cli("nfcom", "status", "--json").output)
    assert [(r["id"], r["number"], r["estado"], r["c_stat"]) for r in rows] == [(first, 1, "autorizada", "100")]
    out = cli("nfcom", "status", "--servico")
    assert out.exit_code == 0 and "Empresa 1: cStat 107 — Serviço em Operação" in out.output, out.output
    out = cli("nfcom", "consultar", str(first))
    assert out.exit_code == 0 and "Autorizador: cStat 100" in out.output, out.output
    out = cli("fiscal", "anular", str(first), "--motivo", "teste")
    assert out.exit_code == 1 and "Somente notas modelo 21/22 podem ser anuladas." in out.output
    out = cli("nfcom", "cancelar", str(first), "--motivo", "Valor cobrado errado", "--substituir")
    assert out.exit_code == 0 and "cancelada — cancelamento protocolo" in out.output, out.output
    assert "NFCom série 1 nº 2" in out.output and "aguardando transmissão" in out.output

    svrs.modo = "http500"
    try:
        out = cli("nfcom", "transmitir", "--pendentes")
    finally:
        svrs.modo = None
    assert out.exit_code == 1 and "HTTP 500" in out.output and "0 autorizada(s), 1 não autorizada(s)." in out.output
    second = first + 1
    out = cli("nfcom", "contingencia", str(second), "--justificativa", "Autorizador indisponível (HTTP 500)")
    assert out.exit_code == 0 and "em contingência" in out.output, out.output
    out = cli("nfcom", "transmitir", str(second))
    assert out.exit_code == 0 and "1 autorizada(s)" in out.output, out.output
    rows = json.loads(cli("nfcom", "status", "--json").output)
    assert [(r["number"], r["estado"], r["tp_emis"], r["fin_nfcom"]) for r in rows] == [
        (1, "cancelada", 1, 0), (2, "autorizada", 2, 3)]
    out = cli("nfcom", "transmitir", "999")
    assert out.exit_code == 1 and "999: recusado: NFCom 999 não encontrada." in out.output, out.output


def test_kernel_actions_generate_contingency_and_transmit(world, svrs):
    from core.actions import run_action
    from plugins.fiscal_nf2122.actions import CONTINGENCY, GENERATE, TRANSMIT

    assert run_action(world.rt, GENERATE, world.w.ids[:2], {"confirmed": True}, world.w.admin).done == world.w.ids[:2]
    with world.session() as s:
        first, second = [d.id for d in s.scalars(select(FiscalDocument).order_by(FiscalDocument.id))]
    with pytest.raises(ValidationError, match="Justificativa da contingência"):
        run_action(world.rt, CONTINGENCY, [first], {"justificativa": "curta", "confirmed": True}, world.w.admin)
    done = run_action(world.rt, CONTINGENCY, [first], {"justificativa": "Sem comunicação com a SEFAZ",
                                                       "confirmed": True}, world.w.admin)
    assert done.done == [first] and _nf(world, first).estado == "contingencia"
    done = run_action(world.rt, TRANSMIT, [first, second], {"confirmed": True}, world.w.admin)
    assert done.done == [first, second]
    assert [(_nf(world, i).estado, _nf(world, i).tp_emis) for i in (first, second)] == [
        ("autorizada", 2), ("autorizada", 1)]
    again = run_action(world.rt, TRANSMIT, [first], {"confirmed": True}, world.w.admin)
    assert [b.message for b in again.refused[first]] == ["NFCom série 1 nº 1 está autorizada."]
    late = run_action(world.rt, CONTINGENCY, [second], {"justificativa": "Sem comunicação com a SEFAZ",
                                                        "confirmed": True}, world.w.admin)
    assert [b.message for b in late.refused[second]] == ["NFCom série 1 nº 2 está autorizada."]


def test_substitution_without_cancellation_after_the_deadline(world, svrs):
    from plugins.fiscal_nf2122 import nfcom_docs
    from plugins.fiscal_nf2122.cancel import cancel_problem

    doc_id = _generate(world, 0)
    with world.session() as s:
        with pytest.raises(ValidationError, match="está aguardando transmissão: só a NFCom autorizada pode ser "
                                                  "substituída"):
            nfcom_docs.substitute_nfcom(s, s.get(FiscalDocument, doc_id), world.settings)
    original = _transmit(world, doc_id)
    with world.session() as s:  # authorized last month: the cancellation is out of time, the substitution is not
        nfcom_docs.nfcom_of(s, doc_id).dh_recbto = "2026-09-10T10:00:00-03:00"
    with world.session() as s:
        doc = s.get(FiscalDocument, doc_id)
        assert "cancelamento fora do prazo" in cancel_problem(doc)
        with pytest.raises(ValidationError, match="motSub\\) 09 inválido: use 01 erro de preço"):
            nfcom_docs.substitute_nfcom(s, doc, world.settings, motivo="09")
    with world.session() as s:
        new = nfcom_docs.substitute_nfcom(s, s.get(FiscalDocument, doc_id), world.settings, motivo="02")
        new_id = new.id
        assert (new.number, new.replaces_id) == (2, doc_id)
        old = s.get(FiscalDocument, doc_id)
        assert (old.status, old.closed_reason) == ("cancelado", "Substituída (motSub 02: erro cadastral)")
    assert _nf(world, doc_id).estado == "substituida"
    sub = _nf(world, new_id)
    assert (sub.fin_nfcom, sub.sub_chave, sub.sub_motivo) == (3, original.chave, "02")
    assert _transmit(world, new_id).estado == "autorizada"
    assert svrs.autorizador.notas[original.chave].substituicao[0] == _nf(world, new_id).n_prot


def test_missing_company_or_customer_data_is_refused_naming_the_field(world):
    from core.models.company import Company
    from core.parties.models import Party

    with world.session() as s:
        s.get(Company, world.w.company_id).ibge_code = None
    with pytest.raises(ValidationError, match=r"Empresa 1: informe o código IBGE \(cadastro da empresa\) para "
                                              r"emitir a NFCom\.") as info:
        _generate(world, 0)
    assert info.value.field == "ibge_code"
    with world.session() as s:
        s.get(Company, world.w.company_id).ibge_code = "3550308"
        party = s.scalar(select(Party).where(Party.name == "Ana Souza"))
        party.district, party.cep = None, ""
    with pytest.raises(ValidationError, match=r"Cliente Ana Souza: informe o bairro, o CEP \(cadastro do cliente\)"):
        _generate(world, 0)
    with world.session() as s:
        assert list(s.scalars(select(FiscalDocument))) == []


def test_a_second_transmission_of_the_same_note_waits_and_sends_nothing(world, svrs):
    """Two real concurrent transactions (threads): the first transmits and holds its transaction; the
    second waits for the NFCom row (PostgreSQL `FOR UPDATE`; SQLite's writer lock), then sees the
    note authorized and is refused — the authorizer got one request."""
    from plugins.fiscal_nf2122 import nfcom_docs
    from plugins.fiscal_nf2122.tests.test_fiscal_docs_concurrency import WAIT, Holder, Runner

    doc_id = _generate(world, 0)

    def send(s):
        return nfcom_docs.transmit(s, doc_id, _client(world, s, doc_id), settings=world.settings).estado

    requests = len(svrs.pedidos)
    holder = Holder(world.rt, send)
    holder.start()
    assert holder.holding.wait(WAIT) and holder.error is None, holder.error
    runner = Runner(world.rt, send)
    runner.start()
    runner.join(0.5)
    assert runner.is_alive(), "the second transmission should wait for the first one's lock"
    holder.release.set()
    holder.join(WAIT)
    runner.join(WAIT)
    assert (holder.error, holder.result) == (None, "autorizada")
    assert str(runner.error) == "NFCom série 1 nº 1 está autorizada: nada a transmitir."
    assert len(svrs.pedidos) == requests + 1


def test_gfat_carries_the_boleto_barcode_when_bank_profiles_keeps_one(world, svrs):
    """The test database has every built-in plugin's tables: a boleto row of bank_profiles for the
    first invoice gives the NFCom its gFat (competência, vencimento, código de barras); the invoice
    without a boleto gets none."""
    from plugins.bank_profiles.models import Boleto, PaymentProfile
    from plugins.receivables.models import Invoice

    barcode = "00191000000000099900000000123456789012345678"[:44]
    with world.session() as s:
        profile = PaymentProfile(company_id=world.w.company_id, name="BB", banco="001", nosso_numero_fim=999)
        s.add(profile)
        s.flush()
        inv = s.get(Invoice, world.w.ids[0])
        s.add(Boleto(invoice_id=inv.id, profile_id=profile.id, banco="001", nosso_numero=1, nosso_numero_dv="1",
                     nosso_numero_formatado="1-1", codigo_barras=barcode, linha_digitavel="0" * 47,
                     valor=inv.total, vencimento=inv.due_date))
        due = inv.due_date
    with_boleto, without = _generate(world, 0), _generate(world, 1)
    xml = etree.fromstring(_nf(world, with_boleto).xml_assinado)
    assert xml.findtext(f"{N}infNFCom/{N}gFat/{N}codBarras") == barcode
    assert xml.findtext(f"{N}infNFCom/{N}gFat/{N}CompetFat") == "202612"
    assert xml.findtext(f"{N}infNFCom/{N}gFat/{N}dVencFat") == due.isoformat()
    assert etree.fromstring(_nf(world, without).xml_assinado).find(f"{N}infNFCom/{N}gFat") is None
    assert _transmit(world, with_boleto).estado == "autorizada"
