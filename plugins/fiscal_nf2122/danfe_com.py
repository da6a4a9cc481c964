"""DANFE-COM — Documento Auxiliar da NFCom (modelo 62) as a PDF, from the authorized XML.

`danfe_com_pdf(xml)` is a pure function, bytes → PDF bytes (reportlab through `core.pdf`): `xml`
is a `nfcomProc` (NFCom + protNFCom, what the authorization returns and we keep) or a signed
`NFCom` alone (`protocolo` = the `protNFCom` bytes when kept apart; none ⇒ the DANFE says the
protocol is missing — e.g. a note issued in contingency, printed before transmission).

Content (MOC NFCom 1.00a: §2.1.2 — the layout itself is the MOC's Anexo II, which we do not have:
the blocks below follow the fields the MOC requires to be printed; NÃO VERIFICADO against Anexo II):

- emitente (razão social, fantasia, CNPJ, IE, address); "DANFE-COM", número, série, data/hora de
  emissão;
- chave de acesso (44 characters in groups of 4) and where to consult it; the QR code of
  `infNFComSupl/qrCodNFCom` — ISO/IEC 18004, error correction level M, UTF-8 (MOC §9.3.2, §9.3.3);
- protocolo de autorização with its date (DD/MM/AAAA) and time (hh:mm:ss) (MOC §4, "Juntamente ao
  protocolo, no DANFE-COM aparecerá a data … e hora …");
- destinatário, assinante (código, tipo, serviço, contrato), faturamento (competência,
  vencimento, período de uso, código de barras);
- items (cClass, CFOP, unidade, quantidade, valor, desconto, valor total, ICMS) and totals,
  IBS/CBS (NT 2025.001) when the note has them;
- "EMITIDA EM CONTINGÊNCIA" when tpEmis = 2 (MOC §11); "SEM VALOR FISCAL" (banner + watermark)
  in homologação (tpAmb = 2); a substitute note (gSub) shows the key it replaces.

Bad input (not XML, not an NFCom) ⇒ `DanfeError` in pt-BR; nothing is drawn.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from lxml import etree
from reportlab.graphics.barcode import qrencoder

from core.i18n import _
from core.pdf import (MARGIN, PAGE_HEIGHT, PAGE_WIDTH, Box, Column, document_bytes, draw_table, draw_text,
                      format_brl, format_document, label_value, mm, wrap_text)
from plugins.fiscal_nf2122.pdf_boxes import frame, text_box

NS = "http://www.portalfiscal.inf.br/nfcom"
_N = "{%s}" % NS

TIPO_ASSINANTE = {"1": "Comercial", "2": "Industrial", "3": "Residencial/Pessoa Física", "4": "Produtor Rural",
                  "5": "Órgão público estadual", "6": "Prestador de serviço de telecomunicação",
                  "7": "Missão diplomática / organismo internacional", "8": "Igreja ou templo", "99": "Outros"}
TIPO_SERVICO = {"1": "Telefonia", "2": "Comunicação de dados", "3": "TV por assinatura",
                "4": "Provimento de acesso à Internet", "5": "Multimídia", "6": "Outros", "7": "Vários"}
UNIDADE = {"1": "Minuto", "2": "MB", "3": "GB", "4": "UN"}


class DanfeError(ValueError):
    """The XML is not an NFCom we can print (pt-BR message)."""


# --- reading --------------------------------------------------------------------------------------

def _t(el, path: str) -> str:
    """Text of the first match of `path` (local names separated by '/'; '' when missing)."""
    if el is None:
        return ""
    found = el.find("/".join(_N + p for p in path.split("/")))
    return (found.text or "").strip() if found is not None and found.text else ""


def _money(text: str) -> Decimal | None:
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


@dataclass
class DanfeItem:
    numero: str
    descricao: str
    classificacao: str
    cfop: str
    unidade: str
    quantidade: str
    valor_unitario: str
    desconto: Decimal | None
    valor: Decimal | None
    bc_icms: Decimal | None
    aliquota_icms: str
    icms: Decimal | None


@dataclass
class Danfe:
    """What the DANFE-COM prints, read from the XML."""

    chave: str
    tp_amb: str
    tp_emis: str
    serie: str
    numero: str
    emissao: str
    emit: dict
    dest: dict
    assinante: dict
    itens: list[DanfeItem]
    totais: dict
    ibscbs: dict | None
    fatura: dict
    informacoes: list[str]
    qrcode: str
    protocolo: str = ""
    protocolo_data: str = ""
    substitui: str = ""
    fin: str = "0"
    extra: dict = field(default_factory=dict)


def _endereco(el) -> list[str]:
    if el is None:
        return []
    first = ", ".join(p for p in (_t(el, "xLgr"), _t(el, "nro")) if p)
    first = " - ".join(p for p in (first, _t(el, "xCpl"), _t(el, "xBairro")) if p)
    cep = _t(el, "CEP")
    city = "/".join(p for p in (_t(el, "xMun"), _t(el, "UF")) if p)
    second = " - ".join(p for p in (city, f"CEP {cep[:5]}-{cep[5:]}" if len(cep) == 8 else cep) if p)
    return [line for line in (first, second) if line]


def _data_hora(texto: str, *, com_hora: bool = True) -> str:
    """'2026-11-05T10:30:05-03:00' ⇒ '05/11/2026 10:30:05' (the time as written, local to the emitente)."""
    if not texto:
        return ""
    try:
        value = datetime.fromisoformat(texto)
    except ValueError:
        return texto
    return value.strftime("%d/%m/%Y %H:%M:%S" if com_hora else "%d/%m/%Y")


def _data(texto: str) -> str:
    if len(texto) == 10 and texto[4] == "-":
        return f"{texto[8:10]}/{texto[5:7]}/{texto[:4]}"
    return texto


def read_danfe(xml: bytes, protocolo: bytes | None = None) -> Danfe:
    """Parse the nfcomProc / NFCom (see the module docstring)."""
    try:
        root = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise DanfeError(_("XML da NFCom inválido: {e}").format(e=exc)) from None
    nfcom = root if root.tag == _N + "NFCom" else root.find(_N + "NFCom")
    if nfcom is None:
        raise DanfeError(_("O XML não é uma NFCom nem um nfcomProc (raiz {r}).").format(r=etree.QName(root).localname))
    inf = nfcom.find(_N + "infNFCom")
    if inf is None:
        raise DanfeError(_("NFCom sem o grupo infNFCom."))
    chave = (inf.get("Id") or "").removeprefix("NFCom")
    prot_el = root.find(f"{_N}protNFCom/{_N}infProt")
    if prot_el is None and protocolo:
        try:
            prot_root = etree.fromstring(protocolo, parser=etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError as exc:
            raise DanfeError(_("XML do protocolo inválido: {e}").format(e=exc)) from None
        prot_el = prot_root if etree.QName(prot_root).localname == "infProt" else prot_root.find(f".//{_N}infProt")
    ide, emit, dest = inf.find(_N + "ide"), inf.find(_N + "emit"), inf.find(_N + "dest")
    assinante, total = inf.find(_N + "assinante"), inf.find(_N + "total")
    itens = []
    for det in inf.findall(_N + "det"):
        imposto = det.find(_N + "imposto")
        icms = next((e for e in (imposto if imposto is not None else []) if etree.QName(e).localname.startswith("ICMS")
                     and etree.QName(e).localname != "ICMSUFDest"), None)
        itens.append(DanfeItem(
            numero=det.get("nItem") or "", descricao=_t(det, "prod/xProd"), classificacao=_t(det, "prod/cClass"),
            cfop=_t(det, "prod/CFOP"), unidade=UNIDADE.get(_t(det, "prod/uMed"), _t(det, "prod/uMed")),
            quantidade=_t(det, "prod/qFaturada"), valor_unitario=_t(det, "prod/vItem"),
            desconto=_money(_t(det, "prod/vDesc")), valor=_money(_t(det, "prod/vProd")),
            bc_icms=_money(_t(icms, "vBC")), aliquota_icms=_t(icms, "pICMS"), icms=_money(_t(icms, "vICMS"))))
    totais = {k: _money(_t(total, p)) for k, p in (
        ("v_prod", "vProd"), ("v_bc", "ICMSTot/vBC"), ("v_icms", "ICMSTot/vICMS"), ("v_pis", "vPIS"),
        ("v_cofins", "vCOFINS"), ("v_fust", "vFUST"), ("v_funttel", "vFUNTTEL"), ("v_desc", "vDesc"),
        ("v_outro", "vOutro"), ("v_nf", "vNF"))}
    ibscbs = None
    tot = total.find(_N + "IBSCBSTot") if total is not None else None
    if tot is not None:
        ibscbs = {"v_bc": _money(_t(tot, "vBCIBSCBS")), "v_ibs": _money(_t(tot, "gIBS/vIBS")),
                  "v_cbs": _money(_t(tot, "gCBS/vCBS")), "v_tot_dfe": _money(_t(total, "vTotDFe"))}
    fat = inf.find(_N + "gFat")
    fatura = {"competencia": _t(fat, "CompetFat"), "vencimento": _data(_t(fat, "dVencFat")),
              "uso_ini": _data(_t(fat, "dPerUsoIni")), "uso_fim": _data(_t(fat, "dPerUsoFim")),
              "codigo_barras": _t(fat, "codBarras"), "pix": _t(fat, "gPIX/urlQRCodePIX")}
    adic = inf.find(_N + "infAdic")
    informacoes = [e.text.strip() for e in (adic.findall(_N + "infCpl") if adic is not None else []) if e.text]
    if _t(adic, "infAdFisco"):
        informacoes.insert(0, _("Fisco: {t}").format(t=_t(adic, "infAdFisco")))
    dest_doc = _t(dest, "CNPJ") or _t(dest, "CPF")
    return Danfe(
        chave=chave, tp_amb=_t(ide, "tpAmb"), tp_emis=_t(ide, "tpEmis"), serie=_t(ide, "serie"), numero=_t(ide, "nNF"),
        emissao=_t(ide, "dhEmi"), fin=_t(ide, "finNFCom") or "0",
        emit={"nome": _t(emit, "xNome"), "fantasia": _t(emit, "xFant"), "cnpj": _t(emit, "CNPJ"),
              "ie": _t(emit, "IE"), "endereco": _endereco(emit.find(_N + "enderEmit") if emit is not None else None),
              "fone": _t(emit, "enderEmit/fone"), "email": _t(emit, "enderEmit/email")},
        dest={"nome": _t(dest, "xNome"), "documento": format_document(dest_doc) if dest_doc else _t(dest, "idOutros"),
              "ie": _t(dest, "IE"), "endereco": _endereco(dest.find(_N + "enderDest") if dest is not None else None)},
        assinante={"codigo": _t(assinante, "iCodAssinante"),
                   "tipo": TIPO_ASSINANTE.get(_t(assinante, "tpAssinante"), _t(assinante, "tpAssinante")),
                   "servico": TIPO_SERVICO.get(_t(assinante, "tpServUtil"), _t(assinante, "tpServUtil")),
                   "contrato": _t(assinante, "nContrato"), "inicio": _data(_t(assinante, "dContratoIni")),
                   "fim": _data(_t(assinante, "dContratoFim")), "terminal": _t(assinante, "NroTermPrinc")},
        itens=itens, totais=totais, ibscbs=ibscbs, fatura=fatura, informacoes=informacoes,
        qrcode=_t(nfcom, "infNFComSupl/qrCodNFCom"),
        protocolo=_t(prot_el, "nProt"), protocolo_data=_data_hora(_t(prot_el, "dhRecbto")),
        substitui=_t(inf, "gSub/chNFCom"))


# --- drawing --------------------------------------------------------------------------------------

def format_chave(chave: str) -> str:
    """The access key in groups of 4 characters: '4125 0306 1174 …'."""
    return " ".join(chave[i:i + 4] for i in range(0, len(chave), 4))


def qr_matrix(payload: str) -> list[list[bool]]:
    """The QR code modules (rows of dark/light), error correction level M, smallest version."""
    qr = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    qr.addData(payload)
    qr.make()
    return [[bool(m) for m in row] for row in qr.modules]


def draw_qr(c, x: float, y: float, payload: str, size: float, *, border: int = 2) -> None:
    """QR code (level M) with its bottom-left corner at (x, y), `size` points wide: encoded once and
    drawn as one filled path of the dark runs of each row (the reportlab widget encodes twice and
    draws one node per run: ~4× slower). reportlab encodes the text as 8-bit bytes; the URL is
    ASCII, the same bytes as UTF-8 (MOC §9.3.3)."""
    modules = qr_matrix(payload)
    count = len(modules)
    box = size / (count + 2 * border)
    path = c.beginPath()
    for r, row in enumerate(modules):
        top = y + size - (r + border + 1) * box
        col = 0
        for dark, run in itertools.groupby(row):
            n = len(list(run))
            if dark:
                path.rect(x + (col + border) * box, top, n * box, box)
            col += n
    c.saveState()
    c.setFillGray(0)
    c.drawPath(path, stroke=0, fill=1)
    c.restoreState()


def _consulta_url(qr: str) -> str:
    parts = urlsplit(qr)
    if not parts.scheme or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}/NFCom"


def _watermark(c) -> None:
    c.saveState()
    c.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2 - 40 * mm)
    c.rotate(35)
    c.setFillColorRGB(0.75, 0.1, 0.1, alpha=0.22)
    c.setFont("Helvetica-Bold", 60)
    c.drawCentredString(0, 0, "SEM VALOR FISCAL")
    c.restoreState()


def _header(c, d: Danfe, page: int) -> float:
    top = PAGE_HEIGHT - MARGIN
    band = Box(MARGIN, top - 34 * mm, PAGE_WIDTH - 2 * MARGIN, 34 * mm)
    left, right = band.split_left(104 * mm, 2 * mm)
    frame(c, left)
    name = d.emit["fantasia"] or d.emit["nome"]
    draw_text(c, left.x + 3, left.top - 13, name, size=12, bold=True, width=left.width - 6)
    lines = [d.emit["nome"]] if d.emit["fantasia"] and d.emit["fantasia"] != d.emit["nome"] else []
    lines.append(_("CNPJ {cnpj}   IE {ie}").format(cnpj=format_document(d.emit["cnpj"]), ie=d.emit["ie"] or "—"))
    lines.extend(d.emit["endereco"])
    contacts = " · ".join(v for v in (d.emit["fone"], d.emit["email"]) if v)
    if contacts:
        lines.append(contacts)
    y = left.top - 13
    for line in lines[:5]:
        y -= 10
        draw_text(c, left.x + 3, y, line, size=8, width=left.width - 6)
    frame(c, right)
    draw_text(c, right.x + 3, right.top - 13, "DANFE-COM", size=13, bold=True, width=right.width - 6, align="center")
    for n, line in enumerate(wrap_text(_("Documento Auxiliar da Nota Fiscal Fatura de Serviços de Comunicação "
                                         "Eletrônica"), right.width - 6, size=7)[:2]):
        draw_text(c, right.x + 3, right.top - 22 - n * 8, line, size=7, width=right.width - 6, align="center")
    third = (right.width - 6) / 3
    row = right.top - 38
    label_value(c, right.x + 3, row, _("Número"), d.numero.zfill(9), width=third + 8, bold=True)
    label_value(c, right.x + 11 + third, row, _("Série"), d.serie, width=third - 12, bold=True)
    label_value(c, right.x + 3 + 2 * third, row, _("Folha"), str(page), width=third)
    label_value(c, right.x + 3, row - 20, _("Data e hora de emissão"), _data_hora(d.emissao), width=right.width - 6)
    return band.y - 2 * mm


def _key_band(c, d: Danfe, top: float) -> float:
    height = 40 * mm
    band = Box(MARGIN, top - height, PAGE_WIDTH - 2 * MARGIN, height)
    qr_box, info = band.split_left(40 * mm, 2 * mm)
    frame(c, qr_box)
    if d.qrcode:
        draw_qr(c, qr_box.x + 2 * mm, qr_box.y + 2 * mm, d.qrcode, qr_box.width - 4 * mm)
    frame(c, info)
    y = info.top - 8
    draw_text(c, info.x + 3, y, _("CHAVE DE ACESSO"), size=6.5, bold=True, grey=True)
    draw_text(c, info.x + 3, y - 13, format_chave(d.chave), size=10.5, bold=True, width=info.width - 6)
    url = _consulta_url(d.qrcode)
    draw_text(c, info.x + 3, y - 24, _("Consulte pela chave de acesso em {url} ou pelo QR Code ao lado.").format(
        url=url or _("portal da NFCom da UF")), size=7, width=info.width - 6)
    y -= 36
    draw_text(c, info.x + 3, y, _("PROTOCOLO DE AUTORIZAÇÃO"), size=6.5, bold=True, grey=True)
    if d.protocolo:
        text = f"{d.protocolo} - {d.protocolo_data}" if d.protocolo_data else d.protocolo
    else:
        text = _("Sem protocolo de autorização (NFCom ainda não autorizada)")
    draw_text(c, info.x + 3, y - 12, text, size=10, bold=bool(d.protocolo), width=info.width - 6)
    y -= 24
    if d.tp_emis == "2":
        draw_text(c, info.x + 3, y, _("EMITIDA EM CONTINGÊNCIA"), size=11, bold=True, width=info.width - 6)
        y -= 13
    if d.tp_amb == "2":
        draw_text(c, info.x + 3, y, _("EMITIDA EM AMBIENTE DE HOMOLOGAÇÃO - SEM VALOR FISCAL"), size=9, bold=True,
                  width=info.width - 6)
    return band.y - 2 * mm


def _parties(c, d: Danfe, top: float) -> float:
    box = Box(MARGIN, top - 40 * mm, PAGE_WIDTH - 2 * MARGIN, 40 * mm)
    frame(c, box, _("DESTINATÁRIO / ASSINANTE"))
    w = (box.width - 6) / 4
    row = box.top - 8
    label_value(c, box.x + 3, row, _("Nome / razão social"), d.dest["nome"], width=w * 2.6, bold=True)
    label_value(c, box.x + 3 + w * 2.7, row, _("CPF / CNPJ"), d.dest["documento"] or "—", width=w * 0.8)
    label_value(c, box.x + 3 + w * 3.5, row, _("IE"), d.dest["ie"] or "—", width=w * 0.5)
    row -= 19
    label_value(c, box.x + 3, row, _("Endereço"), " — ".join(d.dest["endereco"]) or "—", width=box.width - 6)
    row -= 19
    a = d.assinante
    label_value(c, box.x + 3, row, _("Código do assinante"), a["codigo"] or "—", width=w * 0.7)
    label_value(c, box.x + 3 + w * 0.75, row, _("Tipo de assinante"), a["tipo"] or "—", width=w * 1.0)
    label_value(c, box.x + 3 + w * 1.8, row, _("Serviço"), a["servico"] or "—", width=w * 1.4)
    label_value(c, box.x + 3 + w * 3.25, row, _("Contrato"), a["contrato"] or "—", width=w * 0.75)
    row -= 19
    f = d.fatura
    label_value(c, box.x + 3, row, _("Competência"), f"{f['competencia'][4:]}/{f['competencia'][:4]}"
                if len(f["competencia"]) == 6 else (f["competencia"] or "—"), width=w * 0.9)
    label_value(c, box.x + 3 + w, row, _("Vencimento"), f["vencimento"] or "—", width=w * 0.95)
    label_value(c, box.x + 3 + w * 2, row, _("Período de uso"),
                f"{f['uso_ini']} a {f['uso_fim']}" if f["uso_ini"] else "—", width=w * 1.9)
    return box.y - 2 * mm


ITEM_COLUMNS = (Column("Item", 9 * mm), Column("Descrição", 50 * mm), Column("cClass", 14 * mm),
                Column("CFOP", 10 * mm), Column("Unid.", 10 * mm), Column("Qtd.", 13 * mm, "right"),
                Column("Valor unit.", 16 * mm, "right"), Column("Desconto", 15 * mm, "right"),
                Column("Valor", 18 * mm, "right"), Column("Alíq.", 13 * mm, "right"),
                Column("ICMS", 18 * mm, "right"))


def _qtd(text: str) -> str:
    value = _money(text)
    return (f"{value.normalize():f}".replace(".", ",")) if value is not None else text


def _unit(text: str) -> str:
    """vItem (up to 8 decimals) with at least the 2 of money: '99.9' ⇒ '99,90'."""
    value = _money(text)
    if value is None:
        return text
    value = value.normalize()
    if -value.as_tuple().exponent < 2:
        value = value.quantize(Decimal("0.01"))
    return f"{value:,f}".replace(",", "X").replace(".", ",").replace("X", ".")


def _brl(value) -> str:
    return format_brl(value) if value is not None else ""


def _item_rows(d: Danfe) -> list[tuple]:
    return [(i.numero, i.descricao, i.classificacao, i.cfop, i.unidade, _qtd(i.quantidade), _unit(i.valor_unitario),
             _brl(i.desconto), _brl(i.valor), (i.aliquota_icms.replace(".", ",") + "%") if i.aliquota_icms else "",
             _brl(i.icms)) for i in d.itens]


def _totals(c, d: Danfe, top: float) -> float:
    t = d.totais
    rows = [[(_("Valor dos serviços"), t["v_prod"]), (_("Descontos"), t["v_desc"]), (_("Outros"), t["v_outro"]),
             (_("Base de cálculo ICMS"), t["v_bc"]), (_("Valor do ICMS"), t["v_icms"])],
            [(_("PIS"), t["v_pis"]), (_("COFINS"), t["v_cofins"]), (_("FUST"), t["v_fust"]),
             (_("FUNTTEL"), t["v_funttel"]), (_("VALOR TOTAL DA NFCOM"), t["v_nf"])]]
    if d.ibscbs is not None:
        rows.append([(_("Base de cálculo IBS/CBS"), d.ibscbs["v_bc"]), (_("Valor do IBS"), d.ibscbs["v_ibs"]),
                     (_("Valor da CBS"), d.ibscbs["v_cbs"]), (_("Total com IBS e CBS"),
                                                               d.ibscbs["v_tot_dfe"])])
    height = 9 + 20 * len(rows)
    box = Box(MARGIN, top - height, PAGE_WIDTH - 2 * MARGIN, height)
    frame(c, box, _("TOTAIS"))
    row_top = box.top - 8
    for row in rows:
        w = (box.width - 6) / 5
        for n, (label, value) in enumerate(row):
            label_value(c, box.x + 3 + n * w, row_top, label, _brl(value) or "R$ 0,00", width=w - 3,
                        bold=label == _("VALOR TOTAL DA NFCOM"))
        row_top -= 20
    return box.y - 2 * mm


def _additional(c, d: Danfe, top: float) -> float:
    lines = []
    if d.substitui:
        lines.append(_("NFCom emitida em substituição à chave {k}.").format(k=format_chave(d.substitui)))
    if d.fatura["codigo_barras"]:
        lines.append(_("Código de barras: {c}").format(c=d.fatura["codigo_barras"]))
    lines.extend(d.informacoes)
    box = text_box(c, top, _("INFORMAÇÕES COMPLEMENTARES"), lines or [_("Sem informações complementares.")],
                   size=7.5, line_height=9.5, max_lines=8)
    return box.y


def draw_danfe(c, d: Danfe) -> None:
    page = 1
    reserved = 80 * mm

    def decorations():
        if d.tp_amb == "2":
            _watermark(c)

    def new_page() -> float:
        nonlocal page
        decorations()
        c.showPage()
        page += 1
        return _header(c, d, page)

    y = _parties(c, d, _key_band(c, d, _header(c, d, page)))
    draw_text(c, MARGIN, y - 7, _("ITENS DA FATURA / SERVIÇOS PRESTADOS"), size=6.5, bold=True, grey=True)
    y = draw_table(c, MARGIN, y - 10, ITEM_COLUMNS, _item_rows(d), size=7.5, bottom=MARGIN + reserved,
                   new_page=new_page)
    y = _totals(c, d, y - 2 * mm)
    _additional(c, d, y)
    decorations()


def danfe_com_pdf(xml: bytes, *, protocolo: bytes | None = None) -> bytes:
    """The DANFE-COM of an NFCom (see the module docstring): PDF bytes."""
    d = read_danfe(xml, protocolo)
    return document_bytes(lambda c: draw_danfe(c, d), title=f"DANFE-COM {d.serie}-{d.numero}",
                          subject=d.chave)
