"""NFCom (modelo 62) documents in the database: issue, transmission, contingency, cancellation.

The note itself is a `FiscalDocument` with model 62 (same pending list, request → effect flow,
items with the fiscal composition, blockers and panel tabs as the NF 21/22); its NFCom part is the
1:1 `FiscalNFCom` row (key, signed XML, transmission state, the authorizer's answers).

- `issue(session, doc, settings, now=…)` — called by `documents.effect` after the number was drawn
  from the gapless counter (kind "fiscal_nf2122.nf", series "62:<série>", per company — independent
  from the 21/22 séries): builds `NFComDados` from the company (emitente), the customer
  (destinatário, assinante), the contract and the items (ICMS/PIS/COFINS of the composition, cClass
  of 7 digits, IBS/CBS of the settings), `montar_nfcom` (key + QR, XSD), signs with the company's
  A1 (`carregar_pfx` + `assinar_nfcom`) and stores it "aguardando transmissão".
- `transmit(session, document_id, client)` — `NFComRecepcao` through `nfcom.client.NFComClient`:
  authorized ⇒ protocol + `nfcomProc`; rejected ⇒ "rejeitada" with cStat/xMotivo (the number stays
  used: a new `transmit` rebuilds and re-signs the XML with the same number and cNF — the MOC
  rejects a duplicate only when already authorized, fiscal.md §2); communication failure ⇒ the state
  stays, the error is recorded (`last_error`) and the operator may switch to contingency.
- `enter_contingency(session, doc, justificativa, settings)` — tpEmis 2: new key (tpEmis digit),
  `dhCont`/`xJust`, QR Code with `sign`; "em contingência" until `transmit_pending` sends it.
- `cancel_nfcom(...)` — event 110111 through the client; the 120-hour rule (MOC L11, cStat 220) and
  finNFCom 3 (cStat 524) are refused before sending.

Refusals are `ValidationError` in pt-BR (no certificate, certificate expired or of another CNPJ,
company/customer data missing, …). Every service works in the caller's unit of work and never
commits; a refusal leaves nothing written (the caller rolls back).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.br.documents import only_digits
from core.errors import ValidationError
from core.i18n import _
from core.model import utcnow
from core.money import round_money
from plugins.fiscal_nf2122.models import (CANCELADO, GERADO, NFCOM_AGUARDANDO, NFCOM_AUTORIZADA,
                                          NFCOM_CANCELADA, NFCOM_CONTINGENCIA, NFCOM_ESTADOS, NFCOM_REJEITADA,
                                          NFCOM_SUBSTITUIDA, FiscalDocument, FiscalDocumentItem, FiscalNFCom)
from plugins.fiscal_nf2122.nfcom.certificado import CertificadoA1, CertificadoError, carregar_pfx
from plugins.fiscal_nf2122.nfcom.documento import (Assinante, Contribuicao, Destinatario, Emitente, Endereco,
                                                   Faturamento, IbsCbs, Icms, Item, NFComDados, Substituicao)
from plugins.fiscal_nf2122.nfcom.xsd import NFComError
from plugins.fiscal_nf2122.settings import FiscalSettings

MODEL = 62
ESTADO_LABELS = dict(NFCOM_ESTADOS)
TRANSMISSIBLE = (NFCOM_AGUARDANDO, NFCOM_CONTINGENCIA, NFCOM_REJEITADA)


_REPLACE = {"\u2014": "-", "\u2013": "-", "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
            "\u2026": "...", "\u00a0": " "}


def text(value: str | None, size: int) -> str:
    """Free text for the XML: the XSD accepts only Latin-1 (`[!-ÿ]`, no leading/trailing blanks) —
    dashes/quotes become ASCII, other characters outside Latin-1 lose their accent or go; blanks
    collapse; cut to `size`."""
    import unicodedata

    out = []
    for ch in value or "":
        ch = _REPLACE.get(ch, ch)
        if len(ch) == 1 and ord(ch) > 0xFF:
            ch = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
        out.append(ch)
    return " ".join("".join(out).split())[:size].strip()


def _local(now: datetime) -> datetime:
    from plugins.receivables.invoice_tools import LOCAL_TZ

    return now.astimezone(LOCAL_TZ).replace(microsecond=0)


def nfcom_of(session: Session, doc: FiscalDocument | int) -> FiscalNFCom | None:
    return session.get(FiscalNFCom, doc if isinstance(doc, int) else doc.id)


def company_of(session: Session, doc: FiscalDocument):
    from core.models.company import Company

    return session.get(Company, doc.company_id)


# --- certificate and client ----------------------------------------------------------------------

_PFX_CACHE: dict[tuple, CertificadoA1] = {}


def _load_pfx(path: str, senha: str | None) -> CertificadoA1:
    """`carregar_pfx` remembered per (file, size, mtime, password digest): opening a PFX costs ~0.2 s
    (PBKDF of the file), once per process instead of once per note. A changed file is read again."""
    import hashlib
    import os

    try:
        st = os.stat(path)
    except OSError:
        return carregar_pfx(path, senha)  # its pt-BR error names the file
    key = (os.path.abspath(path), st.st_size, st.st_mtime_ns, hashlib.sha256((senha or "").encode()).hexdigest())
    if key not in _PFX_CACHE:
        _PFX_CACHE[key] = carregar_pfx(path, senha)
    return _PFX_CACHE[key]


def certificate_for(settings: FiscalSettings, company, *, now: datetime | None = None) -> CertificadoA1:
    """The company's A1 (PFX path + password from the settings), checked: readable, in its validity
    and of the company's CNPJ. The password is never logged nor put in a message."""
    emp = settings.nfcom.empresa(company.code)
    if not emp.certificado:
        raise ValidationError(_("Empresa {c}: nenhum certificado A1 configurado para emitir NFCom (informe "
                                "certificado e senha_certificado em [plugins.fiscal_nf2122.nfcom.empresas.{c}]).")
                              .format(c=company.code), field="certificado")
    senha = emp.senha_certificado.get_secret_value() if emp.senha_certificado is not None else None
    try:
        cert = _load_pfx(emp.certificado, senha)
        cert.conferir_validade(now)
    except CertificadoError as exc:
        raise ValidationError(_("Empresa {c}: {e}.").format(c=company.code, e=exc), field="certificado") from None
    if (cert.cnpj or "") != (company.cnpj or "").upper():
        raise ValidationError(_("Empresa {c}: o certificado A1 é do CNPJ {x}, e o CNPJ da empresa é {y}.").format(
            c=company.code, x=cert.cnpj or _("(não informado no certificado)"), y=company.cnpj), field="certificado")
    return cert


def tp_amb_for(settings: FiscalSettings, company) -> int:
    emp = settings.nfcom.empresa(company.code)
    return emp.tp_amb or settings.nfcom.tp_amb


def client_for(settings: FiscalSettings, company, *, certificado: CertificadoA1 | None = None):
    """`NFComClient` of the company: its certificate, UF, ambiente and the URL overrides."""
    from plugins.fiscal_nf2122.nfcom.client import NFComClient

    emp = settings.nfcom.empresa(company.code)
    urls = {**settings.nfcom.urls, **emp.urls} or None
    try:
        return NFComClient(urls, certificado=certificado or certificate_for(settings, company),
                           ca_file=settings.nfcom.ca_file, timeout=settings.nfcom.timeout, uf=company.uf or "",
                           tp_amb=tp_amb_for(settings, company))
    except NFComError as exc:
        raise ValidationError(_("Empresa {c}: {e}").format(c=company.code, e=exc), field="nfcom") from None


def client_factory(settings: FiscalSettings) -> Callable:
    """company → its client, one per company (for `transmit_pending`)."""
    made: dict[int, object] = {}

    def get(company):
        if company.id not in made:
            made[company.id] = client_for(settings, company)
        return made[company.id]

    return get


# --- building the note ---------------------------------------------------------------------------

def _required(owner: str, where: str, values: dict[str, tuple[str, object]]) -> None:
    missing = [label for label, value in values.values() if value in (None, "")]
    if missing:
        raise ValidationError(_("{o}: informe {m} ({w}) para emitir a NFCom.").format(
            o=owner, m=", ".join(missing), w=where), field=next(k for k, (label, v) in values.items() if v in (None, "")))


def emitente_of(company, settings: FiscalSettings) -> Emitente:
    _required(_("Empresa {c}").format(c=company.code), _("cadastro da empresa"), {
        "state_registration": (_("a inscrição estadual"), company.state_registration),
        "street": (_("o logradouro"), company.street), "number": (_("o número"), company.number),
        "district": (_("o bairro"), company.district), "ibge_code": (_("o código IBGE"), company.ibge_code),
        "city": (_("a cidade"), company.city), "cep": (_("o CEP"), company.cep), "uf": (_("a UF"), company.uf)})
    end = Endereco(text(company.street, 60), text(company.number, 60), text(company.district, 60),
                   company.ibge_code, text(company.city, 60), company.cep, company.uf.upper(),
                   fone=only_digits(company.phone or "") or None, email=company.email or None)
    return Emitente(company.cnpj, company.state_registration, settings.nfcom.crt, text(company.name, 60), end,
                    fantasia=text(company.trade_name, 60) or None)


def destinatario_of(party, doc: FiscalDocument) -> Destinatario:
    _required(_("Cliente {n}").format(n=party.name), _("cadastro do cliente"), {
        "document": (_("o CPF/CNPJ"), doc.dest_document), "street": (_("o logradouro"), party.street),
        "number": (_("o número"), party.number), "district": (_("o bairro"), party.district),
        "ibge_code": (_("o código IBGE da cidade"), party.ibge_code), "city": (_("a cidade"), party.city),
        "cep": (_("o CEP"), party.cep), "uf": (_("a UF"), party.uf)})
    end = Endereco(text(party.street, 60), text(party.number, 60), text(party.district, 60), party.ibge_code,
                   text(party.city, 60), only_digits(party.cep), party.uf.upper(),
                   complemento=text(party.complement, 60) or None,
                   fone=only_digits(party.phone or party.mobile or "") or None, email=party.email or None)
    return Destinatario(text(doc.dest_name, 60), doc.dest_document, end)


def assinante_of(session: Session, party, items: list[FiscalDocumentItem], settings: FiscalSettings) -> Assinante:
    from plugins.receivables.models import Contract

    contract = None
    ids = [int(i.contrato) for i in items if i.contrato.isdigit()]
    if ids:
        contract = session.get(Contract, ids[0])
    return Assinante(codigo=str(party.code), tipo=1 if party.person_type == "PJ" else 3,
                     servico=settings.nfcom.tp_serv_util, contrato=str(contract.id) if contract else None,
                     inicio_contrato=contract.activated_on if contract else None)


def cclass_of(comp, settings: FiscalSettings) -> str:
    """cClass (7 digits) of a composition: its own `cclass`, else the `nfcom.cclass` table by the NF
    21/22 classificação; no mapping ⇒ refusal naming the setting."""
    if comp.cclass:
        return comp.cclass
    found = settings.nfcom.cclass.get(comp.classificacao)
    if not found:
        raise ValidationError(_("Classificação {c} sem cClass da NFCom: informe [plugins.fiscal_nf2122.nfcom.cclass] "
                                "\"{c}\" = \"NNNNNNN\" (7 dígitos) ou cclass na composição do plano.").format(
            c=comp.classificacao), field="cclass")
    return found


def _icms(item: FiscalDocumentItem, settings: FiscalSettings) -> Icms:
    if settings.nfcom.crt == 1:
        return Icms("SN")
    if item.aliquota_icms <= 0:
        return Icms("41")
    net = item.valor_total - item.desconto + item.acrescimos
    if item.bc_icms < net and net > 0:
        reducao = ((Decimal(1) - item.bc_icms / net) * 100).quantize(Decimal("0.01"))
        return Icms("20", base=item.bc_icms, aliquota=item.aliquota_icms, reducao_base=reducao)
    return Icms("00", base=item.bc_icms, aliquota=item.aliquota_icms)


def item_of(item: FiscalDocumentItem, settings: FiscalSettings) -> Item:
    trib = settings.nfcom.ibscbs
    ibscbs = (IbsCbs(cst=trib.cst, class_trib=trib.class_trib, aliquota_ibs_uf=trib.aliquota_ibs_uf,
                     aliquota_ibs_mun=trib.aliquota_ibs_mun, aliquota_cbs=trib.aliquota_cbs) if trib.emitir else None)
    return Item(codigo=text(item.codigo_servico, 60) or f"C{item.charge_id or item.position}",
                descricao=text(item.descricao, 120),
                classificacao=item.cclass or "", valor_unitario=item.valor_total, cfop=item.cfop, unidade=4,
                desconto=item.desconto, outros=item.acrescimos, icms=_icms(item, settings),
                pis=Contribuicao("01", item.aliquota_pis) if item.aliquota_pis > 0 else None,
                cofins=Contribuicao("01", item.aliquota_cofins) if item.aliquota_cofins > 0 else None,
                ibscbs=ibscbs)


def faturamento_of(session: Session, doc: FiscalDocument) -> Faturamento | None:
    """gFat (the "fatura" of the Nota Fiscal Fatura): competência (AAAAMM of the invoice's competence,
    else of its issue), due date, the boleto's barcode and the period of use of the charges — only
    when the bank_profiles plugin keeps a boleto for the invoice (its table may be absent: checked
    once per session); no boleto ⇒ no gFat (the group is optional in the XSD)."""
    from sqlalchemy import func, inspect

    from plugins.receivables.models import Charge, Invoice

    if "fiscal_nf2122.boletos" not in session.info:
        session.info["fiscal_nf2122.boletos"] = inspect(session.connection()).has_table("bank_profiles_boleto")
    if not session.info["fiscal_nf2122.boletos"]:
        return None
    from plugins.bank_profiles.models import Boleto

    barcode = session.scalar(select(Boleto.codigo_barras).where(Boleto.invoice_id == doc.invoice_id))
    if not barcode:
        return None
    invoice = session.get(Invoice, doc.invoice_id)
    start, end = session.execute(select(func.min(Charge.period_start), func.max(Charge.period_end))
                                 .where(Charge.invoice_id == invoice.id, Charge.amount > 0)).one()
    use = (start, end) if start and end and start <= end else (None, None)
    return Faturamento(competencia=(invoice.competence or invoice.issue_date).strftime("%Y%m"),
                       vencimento=invoice.due_date, codigo_barras=barcode, inicio_uso=use[0], fim_uso=use[1])


def dados_of(session: Session, doc: FiscalDocument, settings: FiscalSettings, *, emitted_at: datetime, cnf: str | None,
             tp_emis: int = 1, contingencia_at: datetime | None = None, contingencia_motivo: str | None = None,
             substituicao: Substituicao | None = None) -> NFComDados:
    from core.parties.models import Party

    from plugins.fiscal_nf2122.documents import items_of

    company, party = company_of(session, doc), session.get(Party, doc.party_id)
    items = items_of(session, doc)
    observations = [text(o, 5000) for o in (doc.observation_1, doc.observation_2, doc.observation_3,
                                            doc.observation_4) if text(o, 5000)]
    return NFComDados(
        emitente=emitente_of(company, settings), destinatario=destinatario_of(party, doc),
        assinante=assinante_of(session, party, items, settings), itens=[item_of(i, settings) for i in items],
        serie=int(doc.serie), numero=doc.number, emissao=_local(emitted_at), municipio_fato_gerador=company.ibge_code,
        ambiente=tp_amb_for(settings, company), tipo_emissao=tp_emis, site_autorizador=settings.nfcom.site_autorizador,
        codigo_numerico=cnf, finalidade=3 if substituicao else 0,
        contingencia_inicio=_local(contingencia_at) if contingencia_at else None,
        contingencia_justificativa=contingencia_motivo, substituicao=substituicao,
        faturamento=faturamento_of(session, doc), informacoes_complementares=observations[:5])


def _build_and_sign(session: Session, doc: FiscalDocument, settings: FiscalSettings, nf: FiscalNFCom,
                    cert: CertificadoA1) -> None:
    """(Re)build the XML of `nf`'s current fields, sign it and store key, cNF, QR and the signed XML."""
    from plugins.fiscal_nf2122.nfcom.qrcode import assinar_chave
    from plugins.fiscal_nf2122.nfcom.signature import assinar_nfcom
    from plugins.fiscal_nf2122.nfcom.xml_builder import montar_nfcom

    sub = Substituicao(nf.sub_chave, nf.sub_motivo) if nf.sub_chave else None
    dados = dados_of(session, doc, settings, emitted_at=nf.emitted_at, cnf=nf.cnf or None, tp_emis=nf.tp_emis,
                     contingencia_at=nf.contingencia_at, contingencia_motivo=nf.contingencia_motivo,
                     substituicao=sub)
    try:
        montada = montar_nfcom(dados, assinar_qr=lambda chave: assinar_chave(chave, cert.chave_privada),
                               url_consulta=settings.nfcom.url_qrcode)
        assinado = assinar_nfcom(montada.xml, cert)
    except (NFComError, CertificadoError) as exc:
        raise ValidationError(_("{doc}: {e}").format(doc=doc.title, e=exc), field="document") from None
    from lxml import etree

    nf.chave, nf.cnf, nf.tp_amb, nf.fin_nfcom = montada.chave.texto, montada.chave.codigo, dados.ambiente, dados.finalidade
    nf.xml_assinado = assinado
    nf.qrcode = etree.fromstring(assinado).findtext(".//{http://www.portalfiscal.inf.br/nfcom}qrCodNFCom")


def prepare_items(items: list[FiscalDocumentItem], comps: list, settings: FiscalSettings) -> None:
    """Model 62: each item gets the cClass of its composition (refused when none maps)."""
    for item, comp in zip(items, comps):
        item.cclass = cclass_of(comp, settings)


def issue(session: Session, doc: FiscalDocument, settings: FiscalSettings, *, now: datetime | None = None,
          certificado: CertificadoA1 | None = None) -> FiscalNFCom:
    """The NFCom of a numbered model-62 document: build, sign, store "aguardando transmissão"."""
    now = now or utcnow()
    company = company_of(session, doc)
    cert = certificado or certificate_for(settings, company, now=now)
    nf = FiscalNFCom(document_id=doc.id, cnf="", tp_emis=1, estado=NFCOM_AGUARDANDO, emitted_at=now, attempts=0)
    if doc.replaces_id is not None:  # substituição: gSub with the key of the replaced (cancelled) NFCom
        replaced = nfcom_of(session, doc.replaces_id)
        if replaced is not None:
            nf.sub_chave, nf.sub_motivo = replaced.chave, settings.nfcom.motivo_substituicao
    _build_and_sign(session, doc, settings, nf, cert)
    session.add(nf)
    session.flush()
    return nf


# --- transmission --------------------------------------------------------------------------------

def current_settings() -> FiscalSettings:
    from core.runtime import current
    from plugins.fiscal_nf2122.settings import settings_of

    return settings_of(current())


def require(session: Session, document_id: int, *, lock: bool = False) -> tuple[FiscalDocument, FiscalNFCom]:
    """The document and its NFCom; `lock` holds the NFCom row until commit (PostgreSQL: a second
    transmission of the same note waits and then sees the first one's answer)."""
    doc = session.get(FiscalDocument, document_id)
    nf = None
    if doc is not None:
        stmt = select(FiscalNFCom).where(FiscalNFCom.document_id == document_id)
        if lock:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        nf = session.scalar(stmt)
    if doc is None or nf is None:
        raise ValidationError(_("NFCom {id} não encontrada.").format(id=document_id), field="document")
    return doc, nf


def _parse_dh(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def _authorized(nf: FiscalNFCom, protocolo, now: datetime) -> None:
    from plugins.fiscal_nf2122.nfcom.soap import nfcom_proc

    nf.estado, nf.c_stat, nf.x_motivo = NFCOM_AUTORIZADA, protocolo.c_stat, protocolo.x_motivo[:500]
    nf.n_prot, nf.dh_recbto = protocolo.numero, protocolo.data_recebimento
    nf.nfcom_proc = nfcom_proc(nf.xml_assinado, protocolo)
    nf.authorized_at = _parse_dh(protocolo.data_recebimento) or now
    nf.last_error = None


def transmit(session: Session, document_id: int, client, *, settings: FiscalSettings | None = None,
             now: datetime | None = None) -> FiscalNFCom:
    """Send one NFCom (aguardando, em contingência or rejeitada — the rejected one is rebuilt and
    re-signed first, same number) and record the answer. A communication failure is recorded in
    `last_error` and the state stays (the caller commits it); it does not raise."""
    from plugins.fiscal_nf2122.nfcom.client import ComunicacaoError

    now = now or utcnow()
    doc, nf = require(session, document_id, lock=True)
    if nf.estado not in TRANSMISSIBLE:
        raise ValidationError(_("{doc} está {e}: nada a transmitir.").format(
            doc=doc.title, e=ESTADO_LABELS[nf.estado].lower()), field="document")
    if nf.estado == NFCOM_REJEITADA:  # corrected data (cadastro, settings) go into a new XML, same number
        settings = settings or current_settings()
        if nf.tp_emis == 1:  # a contingency note keeps its key parts and dates (it may have been printed)
            nf.emitted_at = now
        _build_and_sign(session, doc, settings, nf, client.certificado)
        nf.estado = NFCOM_CONTINGENCIA if nf.tp_emis == 2 else NFCOM_AGUARDANDO
    nf.attempts += 1
    nf.last_attempt_at = now
    try:
        ret = client.autorizar(nf.xml_assinado)
        if not ret.autorizada and (ret.protocolo.c_stat if ret.protocolo else ret.c_stat) == "204":
            # duplicidade: already authorized with this key (an earlier answer was lost) ⇒ its protocol
            found = client.consultar(nf.chave)
            if found.autorizada and found.protocolo is not None:
                _authorized(nf, found.protocolo, now)
                session.flush()
                return nf
    except ComunicacaoError as exc:
        nf.last_error = str(exc)[:500]
        session.flush()
        return nf
    except NFComError as exc:
        raise ValidationError(_("{doc}: {e}").format(doc=doc.title, e=exc), field="document") from None
    if ret.autorizada:
        _authorized(nf, ret.protocolo, now)
    else:
        answer = ret.protocolo if ret.protocolo is not None else ret
        nf.estado, nf.c_stat, nf.x_motivo = NFCOM_REJEITADA, answer.c_stat, (answer.x_motivo or "")[:500]
        nf.last_error = None
    session.flush()
    return nf


def pending(session: Session, *, company_id: int | None = None) -> list[FiscalNFCom]:
    """NFCom waiting to be sent (aguardando transmissão and em contingência), oldest first."""
    stmt = (select(FiscalNFCom).join(FiscalDocument, FiscalDocument.id == FiscalNFCom.document_id)
            .where(FiscalNFCom.estado.in_((NFCOM_AGUARDANDO, NFCOM_CONTINGENCIA)), FiscalDocument.status == GERADO))
    if company_id is not None:
        stmt = stmt.where(FiscalDocument.company_id == company_id)
    return list(session.scalars(stmt.order_by(FiscalNFCom.document_id)))


def transmit_pending(session: Session, clients: Callable, *, company_id: int | None = None,
                     settings: FiscalSettings | None = None, now: datetime | None = None) -> list[FiscalNFCom]:
    """Send every pending NFCom (contingency ones included); `clients(company)` gives the client."""
    done = []
    for nf in pending(session, company_id=company_id):
        doc = session.get(FiscalDocument, nf.document_id)
        done.append(transmit(session, nf.document_id, clients(company_of(session, doc)), settings=settings, now=now))
    return done


def enter_contingency(session: Session, doc: FiscalDocument, justificativa: str, settings: FiscalSettings, *,
                      now: datetime | None = None, certificado: CertificadoA1 | None = None) -> FiscalNFCom:
    """Contingência off-line (tpEmis 2) of a note not yet authorized: new key (tpEmis digit), dhCont
    = dhEmi = now, xJust, QR Code with `sign`; re-signed and kept "em contingência" (printable), sent
    later by `transmit_pending` (MOC §11: by the end of the next business day)."""
    now = now or utcnow()
    nf = nfcom_of(session, doc)
    if nf is None:
        raise ValidationError(_("{doc} não é uma NFCom.").format(doc=doc.title), field="document")
    if nf.estado != NFCOM_AGUARDANDO:
        raise ValidationError(_("{doc} está {e}: só a NFCom aguardando transmissão entra em contingência.").format(
            doc=doc.title, e=ESTADO_LABELS[nf.estado].lower()), field="document")
    just = " ".join((justificativa or "").split())
    if not 15 <= len(just) <= 256:
        raise ValidationError(_("Justificativa da contingência (xJust): de 15 a 256 caracteres (tem {n}).").format(
            n=len(just)), field="justificativa")
    cert = certificado or certificate_for(settings, company_of(session, doc), now=now)
    nf.tp_emis, nf.emitted_at, nf.contingencia_at, nf.contingencia_motivo = 2, now, now, just
    _build_and_sign(session, doc, settings, nf, cert)
    nf.estado = NFCOM_CONTINGENCIA
    session.flush()
    return nf


# --- cancellation (event 110111) -----------------------------------------------------------------

def cancel_problem(session: Session, doc: FiscalDocument, now: datetime | None = None) -> str | None:
    """Why the model-62 `doc` may not be cancelled (pt-BR), checked before anything is sent."""
    from plugins.fiscal_nf2122.nfcom.eventos import PrazoCancelamentoError, conferir_prazo_cancelamento

    nf = nfcom_of(session, doc)
    if nf is None:
        return _("{doc} não tem NFCom emitida.").format(doc=doc.title)
    if nf.estado != NFCOM_AUTORIZADA:
        return _("{doc} está {e}: só a NFCom autorizada pode ser cancelada (a NFCom não tem inutilização: a "
                 "rejeitada é corrigida e transmitida de novo).").format(doc=doc.title,
                                                                       e=ESTADO_LABELS[nf.estado].lower())
    if nf.fin_nfcom == 3:
        return _("{doc} é uma NFCom de substituição (finNFCom 3) e não pode ser cancelada (cStat 524).").format(
            doc=doc.title)
    try:
        conferir_prazo_cancelamento(_parse_dh(nf.dh_recbto) or nf.authorized_at, now or utcnow())
    except PrazoCancelamentoError as exc:
        return _("{doc}: {e}.").format(doc=doc.title, e=exc)
    return None


def cancel_nfcom(session: Session, doc: FiscalDocument, motivo: str, client, *, now: datetime | None = None,
                 user=None) -> FiscalNFCom:
    """Cancel an authorized NFCom: event 110111 signed with the client's certificate, sent; registered
    (cStat 135/136) ⇒ document "cancelado" (number kept), NFCom "cancelada" with the event protocol and
    `procEventoNFCom`. Refused (pt-BR) before sending when out of time or not cancellable; the
    authorizer's refusal or a communication failure raise `ValidationError` (nothing written)."""
    from plugins.fiscal_nf2122.documents import username
    from plugins.fiscal_nf2122.nfcom.client import ComunicacaoError
    from plugins.fiscal_nf2122.nfcom.eventos import cancelamento_assinado, proc_evento

    now = now or utcnow()
    problem = cancel_problem(session, doc, now) if doc.status == GERADO else _("{doc} não está gerado.").format(
        doc=doc.title)
    if problem:
        raise ValidationError(problem, field="document")
    nf = nfcom_of(session, doc)
    just = " ".join((motivo or "").split())
    if not 15 <= len(just) <= 255:
        raise ValidationError(_("Motivo do cancelamento da NFCom (xJust): de 15 a 255 caracteres (tem {n}).").format(
            n=len(just)), field="motivo")
    try:
        evento = cancelamento_assinado(chave=nf.chave, protocolo=nf.n_prot, justificativa=just,
                                       certificado=client.certificado, quando=_local(now),
                                       autorizada_em=_parse_dh(nf.dh_recbto) or nf.authorized_at,
                                       tp_amb=nf.tp_amb)
        ret = client.enviar_evento(evento)
    except ComunicacaoError as exc:
        raise ValidationError(_("{doc}: {e}").format(doc=doc.title, e=exc), field="document") from None
    except NFComError as exc:
        raise ValidationError(_("{doc}: {e}").format(doc=doc.title, e=exc), field="document") from None
    if not ret.registrado:
        raise ValidationError(_("{doc}: cancelamento recusado pelo autorizador — cStat {c}: {m}").format(
            doc=doc.title, c=ret.c_stat, m=ret.x_motivo), field="document")
    nf.estado, nf.cancel_n_prot, nf.cancel_c_stat = NFCOM_CANCELADA, ret.protocolo, ret.c_stat
    nf.cancel_x_just, nf.cancel_at, nf.cancel_xml = just, now, proc_evento(evento, ret)
    doc.status, doc.situacao = CANCELADO, "S"
    doc.closed_at, doc.closed_by, doc.closed_reason = now, username(user), just[:500]
    session.flush()
    return nf


MOTIVOS_SUBSTITUICAO = {"01": "erro de preço", "02": "erro cadastral", "03": "decisão judicial",
                        "04": "erro de tributação", "05": "descontinuidade do serviço", "06": "regime especial"}


def substitute_nfcom(session: Session, doc: FiscalDocument, settings: FiscalSettings, *, motivo: str | None = None,
                     user=None, now: datetime | None = None) -> FiscalDocument:
    """Substituição without cancellation: the authorized `doc` is replaced by a new NFCom of the same
    invoice with finNFCom 3 and gSub (its key + motSub 01…06) — the way after the 120-hour deadline
    (the authorizer marks the replaced note when the substitute is authorized; MOC event 240140).
    `doc` becomes "cancelado" (situação S, number kept) with its NFCom "substituída"; returns the new
    document (numbered, signed, "aguardando transmissão")."""
    from plugins.fiscal_nf2122.documents import generate, username
    from plugins.receivables.models import Invoice

    now = now or utcnow()
    nf = nfcom_of(session, doc) if doc.model == MODEL else None
    if nf is None:
        raise ValidationError(_("{doc} não é uma NFCom.").format(doc=doc.title), field="document")
    if doc.status != GERADO or nf.estado != NFCOM_AUTORIZADA:
        raise ValidationError(_("{doc} está {e}: só a NFCom autorizada pode ser substituída.").format(
            doc=doc.title, e=ESTADO_LABELS[nf.estado].lower()), field="document")
    motivo = motivo or settings.nfcom.motivo_substituicao
    if motivo not in MOTIVOS_SUBSTITUICAO:
        raise ValidationError(_("Motivo da substituição (motSub) {m} inválido: use {ms}.").format(
            m=motivo, ms=", ".join(f"{k} {v}" for k, v in MOTIVOS_SUBSTITUICAO.items())), field="motivo")
    nf.estado = NFCOM_SUBSTITUIDA
    doc.status, doc.situacao = CANCELADO, "S"
    doc.closed_at, doc.closed_by = now, username(user)
    doc.closed_reason = _("Substituída (motSub {m}: {t})").format(m=motivo, t=MOTIVOS_SUBSTITUICAO[motivo])
    session.flush()
    with_motivo = settings.model_copy(update={"nfcom": settings.nfcom.model_copy(
        update={"motivo_substituicao": motivo})})
    return generate(session, session.get(Invoice, doc.invoice_id), with_motivo, user=user, now=now)


def consult(session: Session, document_id: int, client):
    """`NFComConsulta` of the note's key; an authorized answer fills a note still waiting (lost answer)."""
    doc, nf = require(session, document_id)
    try:
        ret = client.consultar(nf.chave)
    except NFComError as exc:
        raise ValidationError(_("{doc}: {e}").format(doc=doc.title, e=exc), field="document") from None
    if ret.autorizada and ret.protocolo is not None and nf.estado in TRANSMISSIBLE:
        _authorized(nf, ret.protocolo, utcnow())
        session.flush()
    return ret


def as_dict(doc: FiscalDocument, nf: FiscalNFCom) -> dict:
    return {"id": doc.id, "company_id": doc.company_id, "invoice_id": doc.invoice_id, "serie": doc.serie,
            "number": doc.number, "status": doc.status, "estado": nf.estado, "chave": nf.chave, "tp_emis": nf.tp_emis,
            "tp_amb": nf.tp_amb, "fin_nfcom": nf.fin_nfcom, "c_stat": nf.c_stat, "x_motivo": nf.x_motivo,
            "n_prot": nf.n_prot, "dh_recbto": nf.dh_recbto, "attempts": nf.attempts, "last_error": nf.last_error,
            "sub_chave": nf.sub_chave, "cancel_n_prot": nf.cancel_n_prot, "valor_total": str(round_money(doc.valor_total))}


def describe(doc: FiscalDocument, nf: FiscalNFCom) -> str:
    extra = ""
    if nf.estado == NFCOM_AUTORIZADA:
        extra = _(" — protocolo {p}").format(p=nf.n_prot)
    elif nf.estado == NFCOM_REJEITADA:
        extra = _(" — cStat {c}: {m}").format(c=nf.c_stat, m=nf.x_motivo)
    elif nf.estado == NFCOM_CANCELADA:
        extra = _(" — cancelamento protocolo {p}").format(p=nf.cancel_n_prot)
    if nf.last_error and nf.estado in (NFCOM_AGUARDANDO, NFCOM_CONTINGENCIA):
        extra += _(" — última tentativa: {e}").format(e=nf.last_error)
    return _("{id}: {t} chave {k}: {e}{x}").format(id=doc.id, t=doc.title, k=nf.chave,
                                                   e=ESTADO_LABELS[nf.estado].lower(), x=extra)
