"""NFCom 1.00 em XML a partir de `documento.NFComDados` (ordem dos elementos = a do XSD).

- O XML sai compacto (sem espaços entre as tags: a SEFAZ rejeita "caracteres de edição", cStat 599),
  em UTF-8, sem a assinatura (ver `signature.py`) e já com `infNFComSupl/qrCodNFCom`.
- Calculados aqui, com `round_money` por item: vProd do item = vItem × qFaturada − vDesc + vOutro
  (regra G86), bases e valores de ICMS/PIS/COFINS/IBS/CBS, e os totais = soma dos itens (G106–G136);
  vNF = vProd − retenções (G137; não há retenção aqui); vTotDFe = vNF + IBS + CBS (anotação do XSD).
- Antes de devolver, o documento é validado no XSD oficial com uma assinatura provisória no lugar
  da verdadeira (o esquema exige `ds:Signature`); erro ⇒ `NFComError`/`NFComSchemaError` em pt-BR com
  o caminho do elemento, e nada é devolvido.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from lxml import etree

from core.br.documents import normalize_document, only_digits
from core.br.ibge import UF_CODES
from core.i18n import _
from core.money import round_money
from plugins.fiscal_nf2122.nfcom.chave import ChaveAcesso, montar_chave
from plugins.fiscal_nf2122.nfcom.documento import (
    ZERO,
    Assinante,
    Destinatario,
    Emitente,
    Endereco,
    Item,
    NFComDados,
)
from plugins.fiscal_nf2122.nfcom.qrcode import URL_SVRS, url_qrcode
from plugins.fiscal_nf2122.nfcom.xsd import NS, NFComError, NFComSchemaError, problemas_sem_assinatura

VERSAO = "1.00"
MAX_ITENS = 990
_N = "{%s}" % NS


@dataclass(frozen=True)
class Totais:
    v_prod: Decimal
    v_bc_icms: Decimal
    v_icms: Decimal
    v_pis: Decimal
    v_cofins: Decimal
    v_desc: Decimal
    v_outro: Decimal
    v_nf: Decimal
    v_bc_ibscbs: Decimal | None = None
    v_ibs_uf: Decimal | None = None
    v_ibs_mun: Decimal | None = None
    v_cbs: Decimal | None = None
    v_tot_dfe: Decimal | None = None


@dataclass(frozen=True)
class NFComMontada:
    chave: ChaveAcesso
    xml: bytes  # sem assinatura, com infNFComSupl
    totais: Totais


# -- formatação -------------------------------------------------------------------------------


def _dinheiro(valor: Decimal) -> str:
    return f"{round_money(valor):.2f}"


def _casas(valor: Decimal, casas: int) -> str:
    return f"{Decimal(valor).quantize(Decimal(1).scaleb(-casas)):.{casas}f}"


def _unitario(valor: Decimal) -> str:
    """vItem: 2 a 8 casas (TDec_1302_1308), sem zeros sobrando depois da 2ª."""
    texto = _casas(valor, 8).rstrip("0")
    inteiro, _sep, frac = texto.partition(".")
    return f"{inteiro}.{frac.ljust(2, '0')}"


def _data(valor: date) -> str:
    return valor.strftime("%Y-%m-%d")


def _data_hora(valor: datetime, campo: str) -> str:
    if valor.tzinfo is None or valor.utcoffset() is None:
        raise NFComError(_("{c}: data e hora sem fuso horário (use, por exemplo, -03:00)").format(c=campo))
    return valor.isoformat(timespec="seconds")


def _sub(pai: etree._Element, nome: str, texto: str | None = None, **atributos: str) -> etree._Element:
    el = etree.SubElement(pai, _N + nome, **atributos)
    if texto is not None:
        el.text = texto
    return el


def _opcional(pai: etree._Element, nome: str, texto: str | None) -> None:
    if texto not in (None, ""):
        _sub(pai, nome, texto)


# -- cálculo por item ------------------------------------------------------------------------


@dataclass(frozen=True)
class _ItemCalculado:
    item: Item
    v_prod: Decimal
    v_bc_icms: Decimal
    v_icms: Decimal
    v_bc_pis: Decimal
    v_pis: Decimal
    v_bc_cofins: Decimal
    v_cofins: Decimal
    v_bc_ibscbs: Decimal
    v_ibs_uf: Decimal
    v_ibs_mun: Decimal
    v_cbs: Decimal


def _percentual(base: Decimal, aliquota: Decimal) -> Decimal:
    return round_money(base * aliquota / 100)


def _calcula(n: int, item: Item) -> _ItemCalculado:
    onde = f"det[{n}]/prod"
    for campo, valor in (("vItem", item.valor_unitario), ("qFaturada", item.quantidade),
                         ("vDesc", item.desconto), ("vOutro", item.outros)):
        if isinstance(valor, float):
            raise NFComError(_("{o}/{c}: valor em float; use Decimal").format(o=onde, c=campo))
        if valor < 0:
            raise NFComError(_("{o}/{c}: valor negativo ({v})").format(o=onde, c=campo, v=valor))
    v_prod = round_money(item.valor_unitario * item.quantidade - item.desconto + item.outros)
    if v_prod < 0:
        raise NFComError(_("{o}/vProd: valor do item negativo ({v}); o desconto passa do valor")
                         .format(o=onde, v=v_prod))
    icms = item.icms
    bc_icms = v_icms = ZERO
    if icms.cst in ("00", "20") or (icms.cst == "90" and icms.aliquota > 0):
        bc_icms = round_money(icms.base if icms.base is not None else v_prod * (1 - icms.reducao_base / 100))
        v_icms = _percentual(bc_icms, icms.aliquota)
    bc_pis = round_money(item.pis.base if item.pis and item.pis.base is not None else v_prod)
    bc_cofins = round_money(item.cofins.base if item.cofins and item.cofins.base is not None else v_prod)
    v_pis = _percentual(bc_pis, item.pis.aliquota) if item.pis else ZERO
    v_cofins = _percentual(bc_cofins, item.cofins.aliquota) if item.cofins else ZERO
    trib = item.ibscbs
    bc_ibscbs = ibs_uf = ibs_mun = cbs = ZERO
    if trib is not None and trib.tributado:
        bc_ibscbs = round_money(trib.base if trib.base is not None else v_prod)
        ibs_uf = _percentual(bc_ibscbs, trib.aliquota_ibs_uf)
        ibs_mun = _percentual(bc_ibscbs, trib.aliquota_ibs_mun)
        cbs = _percentual(bc_ibscbs, trib.aliquota_cbs)
    return _ItemCalculado(item, v_prod, bc_icms, v_icms, bc_pis, v_pis, bc_cofins, v_cofins,
                          bc_ibscbs, ibs_uf, ibs_mun, cbs)


def _totais(calculados: list[_ItemCalculado]) -> Totais:
    def soma(attr: str) -> Decimal:
        return round_money(sum((getattr(c, attr) for c in calculados), ZERO))

    v_prod = soma("v_prod")
    v_nf = v_prod  # − vRetPIS − vRetCofins − vRetCSLL − vIRRF (G137): sem retenções aqui
    base = dict(v_prod=v_prod, v_bc_icms=soma("v_bc_icms"), v_icms=soma("v_icms"), v_pis=soma("v_pis"),
                v_cofins=soma("v_cofins"), v_desc=round_money(sum((c.item.desconto for c in calculados), ZERO)),
                v_outro=round_money(sum((c.item.outros for c in calculados), ZERO)), v_nf=v_nf)
    if not any(c.item.ibscbs is not None for c in calculados):
        return Totais(**base)
    ibs_uf, ibs_mun, cbs = soma("v_ibs_uf"), soma("v_ibs_mun"), soma("v_cbs")
    return Totais(**base, v_bc_ibscbs=soma("v_bc_ibscbs"), v_ibs_uf=ibs_uf, v_ibs_mun=ibs_mun, v_cbs=cbs,
                  v_tot_dfe=v_nf + ibs_uf + ibs_mun + cbs)


# -- grupos ----------------------------------------------------------------------------------


def _endereco(pai: etree._Element, nome: str, end: Endereco, *, com_pais: bool = False) -> None:
    el = _sub(pai, nome)
    _sub(el, "xLgr", end.logradouro)
    _sub(el, "nro", end.numero)
    _opcional(el, "xCpl", end.complemento)
    _sub(el, "xBairro", end.bairro)
    _sub(el, "cMun", end.codigo_municipio)
    _sub(el, "xMun", end.municipio)
    _sub(el, "CEP", only_digits(end.cep))
    _sub(el, "UF", end.uf)
    if com_pais and end.uf != "EX":
        _sub(el, "cPais", "1058")
        _sub(el, "xPais", "BRASIL")
    _opcional(el, "fone", only_digits(end.fone) if end.fone else None)
    _opcional(el, "email", end.email)


def _ide(inf: etree._Element, d: NFComDados, chave: ChaveAcesso) -> None:
    ide = _sub(inf, "ide")
    _sub(ide, "cUF", chave.cuf)
    _sub(ide, "tpAmb", str(d.ambiente))
    _sub(ide, "mod", "62")
    _sub(ide, "serie", str(d.serie))
    _sub(ide, "nNF", str(d.numero))
    _sub(ide, "cNF", chave.codigo)
    _sub(ide, "cDV", str(chave.dv))
    _sub(ide, "dhEmi", _data_hora(d.emissao, "ide/dhEmi"))
    _sub(ide, "tpEmis", str(d.tipo_emissao))
    _sub(ide, "nSiteAutoriz", str(d.site_autorizador))
    _sub(ide, "cMunFG", d.municipio_fato_gerador)
    _sub(ide, "finNFCom", str(d.finalidade))
    _sub(ide, "tpFat", str(d.tipo_faturamento))
    _sub(ide, "verProc", d.versao_processo)
    if d.tipo_emissao == 2:
        if d.contingencia_inicio is None or not d.contingencia_justificativa:
            raise NFComError(_("ide/dhCont, ide/xJust: a emissão em contingência (tpEmis 2) exige a data e "
                               "hora de entrada e a justificativa"))
        _sub(ide, "dhCont", _data_hora(d.contingencia_inicio, "ide/dhCont"))
        _sub(ide, "xJust", d.contingencia_justificativa)


def _emit(inf: etree._Element, e: Emitente) -> None:
    emit = _sub(inf, "emit")
    _sub(emit, "CNPJ", normalize_document(e.cnpj))
    _sub(emit, "IE", only_digits(e.ie))
    _sub(emit, "CRT", str(e.crt))
    _sub(emit, "xNome", e.nome)
    _opcional(emit, "xFant", e.fantasia)
    _endereco(emit, "enderEmit", e.endereco)


def _dest(inf: etree._Element, d: Destinatario) -> None:
    dest = _sub(inf, "dest")
    _sub(dest, "xNome", d.nome)
    doc = normalize_document(d.documento)
    if len(doc) == 11 and doc.isdigit():
        _sub(dest, "CPF", doc)
    elif len(doc) == 14:
        _sub(dest, "CNPJ", doc)
    else:
        _sub(dest, "idOutros", d.documento)
    _sub(dest, "indIEDest", str(d.ind_ie))
    _opcional(dest, "IE", d.ie)
    _endereco(dest, "enderDest", d.endereco, com_pais=True)


def _assinante(inf: etree._Element, a: Assinante) -> None:
    el = _sub(inf, "assinante")
    _sub(el, "iCodAssinante", a.codigo)
    _sub(el, "tpAssinante", str(a.tipo))
    _sub(el, "tpServUtil", str(a.servico))
    _opcional(el, "nContrato", a.contrato)
    _opcional(el, "dContratoIni", _data(a.inicio_contrato) if a.inicio_contrato else None)
    _opcional(el, "dContratoFim", _data(a.fim_contrato) if a.fim_contrato else None)
    if a.terminal:
        _sub(el, "NroTermPrinc", only_digits(a.terminal))
        _sub(el, "cUFPrinc", a.uf_terminal or "")


def _icms(imposto: etree._Element, c: _ItemCalculado) -> None:
    icms = c.item.icms
    if icms.cst == "SN":
        el = _sub(imposto, "ICMSSN")
        _sub(el, "CST", "90")
        _sub(el, "indSN", "1")
        return
    grupo = {"41": "ICMS40"}.get(icms.cst, f"ICMS{icms.cst}")
    el = _sub(imposto, grupo)
    _sub(el, "CST", icms.cst)
    if icms.cst == "20":
        _sub(el, "pRedBC", _casas(icms.reducao_base, 2))
    if icms.cst in ("00", "20") or (icms.cst == "90" and icms.aliquota > 0):
        _sub(el, "vBC", _dinheiro(c.v_bc_icms))
        _sub(el, "pICMS", _casas(icms.aliquota, 2))
        _sub(el, "vICMS", _dinheiro(c.v_icms))


def _contribuicao(imposto: etree._Element, nome: str, contrib, base: Decimal, valor: Decimal) -> None:
    if contrib is None:
        return
    el = _sub(imposto, nome)
    _sub(el, "CST", contrib.cst)
    _sub(el, "vBC", _dinheiro(base))
    _sub(el, "p" + nome, _casas(contrib.aliquota, 4))
    _sub(el, "v" + nome, _dinheiro(valor))


def _ibscbs(imposto: etree._Element, c: _ItemCalculado) -> None:
    trib = c.item.ibscbs
    if trib is None:
        return
    el = _sub(imposto, "IBSCBS")
    _sub(el, "CST", trib.cst)
    _sub(el, "cClassTrib", trib.class_trib)
    if not trib.tributado:
        return
    g = _sub(el, "gIBSCBS")
    _sub(g, "vBC", _dinheiro(c.v_bc_ibscbs))
    uf = _sub(g, "gIBSUF")
    _sub(uf, "pIBSUF", _casas(trib.aliquota_ibs_uf, 4))
    _sub(uf, "vIBSUF", _dinheiro(c.v_ibs_uf))
    mun = _sub(g, "gIBSMun")
    _sub(mun, "pIBSMun", _casas(trib.aliquota_ibs_mun, 4))
    _sub(mun, "vIBSMun", _dinheiro(c.v_ibs_mun))
    _sub(g, "vIBS", _dinheiro(c.v_ibs_uf + c.v_ibs_mun))
    cbs = _sub(g, "gCBS")
    _sub(cbs, "pCBS", _casas(trib.aliquota_cbs, 4))
    _sub(cbs, "vCBS", _dinheiro(c.v_cbs))


def _det(inf: etree._Element, n: int, c: _ItemCalculado) -> None:
    item = c.item
    det = _sub(inf, "det", nItem=str(n))
    prod = _sub(det, "prod")
    _sub(prod, "cProd", item.codigo)
    _sub(prod, "xProd", item.descricao)
    _sub(prod, "cClass", item.classificacao)
    _opcional(prod, "CFOP", item.cfop)
    _sub(prod, "uMed", str(item.unidade))
    _sub(prod, "qFaturada", _casas(item.quantidade, 4))
    _sub(prod, "vItem", _unitario(item.valor_unitario))
    if item.desconto:
        _sub(prod, "vDesc", _dinheiro(item.desconto))
    if item.outros:
        _sub(prod, "vOutro", _dinheiro(item.outros))
    _sub(prod, "vProd", _dinheiro(c.v_prod))
    imposto = _sub(det, "imposto")
    _icms(imposto, c)
    _contribuicao(imposto, "PIS", item.pis, c.v_bc_pis, c.v_pis)
    _contribuicao(imposto, "COFINS", item.cofins, c.v_bc_cofins, c.v_cofins)
    _ibscbs(imposto, c)
    _opcional(det, "infAdProd", item.informacao_adicional)


def _total(inf: etree._Element, t: Totais) -> None:
    total = _sub(inf, "total")
    _sub(total, "vProd", _dinheiro(t.v_prod))
    icms = _sub(total, "ICMSTot")
    for nome, valor in (("vBC", t.v_bc_icms), ("vICMS", t.v_icms), ("vICMSDeson", ZERO), ("vFCP", ZERO)):
        _sub(icms, nome, _dinheiro(valor))
    for nome, valor in (("vCOFINS", t.v_cofins), ("vPIS", t.v_pis), ("vFUNTTEL", ZERO), ("vFUST", ZERO)):
        _sub(total, nome, _dinheiro(valor))
    ret = _sub(total, "vRetTribTot")
    for nome in ("vRetPIS", "vRetCofins", "vRetCSLL", "vIRRF"):
        _sub(ret, nome, "0.00")
    _sub(total, "vDesc", _dinheiro(t.v_desc))
    _sub(total, "vOutro", _dinheiro(t.v_outro))
    _sub(total, "vNF", _dinheiro(t.v_nf))
    if t.v_bc_ibscbs is None:
        return
    tot = _sub(total, "IBSCBSTot")
    _sub(tot, "vBCIBSCBS", _dinheiro(t.v_bc_ibscbs))
    g_ibs = _sub(tot, "gIBS")
    for grupo, nome, valor in (("gIBSUF", "vIBSUF", t.v_ibs_uf), ("gIBSMun", "vIBSMun", t.v_ibs_mun)):
        g = _sub(g_ibs, grupo)
        _sub(g, "vDif", "0.00")
        _sub(g, "vDevTrib", "0.00")
        _sub(g, nome, _dinheiro(valor))
    _sub(g_ibs, "vIBS", _dinheiro(t.v_ibs_uf + t.v_ibs_mun))
    g_cbs = _sub(tot, "gCBS")
    _sub(g_cbs, "vDif", "0.00")
    _sub(g_cbs, "vDevTrib", "0.00")
    _sub(g_cbs, "vCBS", _dinheiro(t.v_cbs))
    _sub(total, "vTotDFe", _dinheiro(t.v_tot_dfe))


def _faturamento(inf: etree._Element, d: NFComDados) -> None:
    f = d.faturamento
    if f is None:
        return
    g = _sub(inf, "gFat")
    _sub(g, "CompetFat", f.competencia)
    _sub(g, "dVencFat", _data(f.vencimento))
    if f.inicio_uso and f.fim_uso:
        _sub(g, "dPerUsoIni", _data(f.inicio_uso))
        _sub(g, "dPerUsoFim", _data(f.fim_uso))
    _sub(g, "codBarras", only_digits(f.codigo_barras))
    if f.url_pix:
        _sub(_sub(g, "gPIX"), "urlQRCodePIX", f.url_pix)


def _finais(inf: etree._Element, d: NFComDados) -> None:
    if d.informacoes_fisco or d.informacoes_complementares:
        if len(d.informacoes_complementares) > 5:
            raise NFComError(_("infAdic/infCpl: no máximo 5 informações complementares (há {n})")
                             .format(n=len(d.informacoes_complementares)))
        adic = _sub(inf, "infAdic")
        _opcional(adic, "infAdFisco", d.informacoes_fisco)
        for texto in d.informacoes_complementares:
            _sub(adic, "infCpl", texto)
    r = d.responsavel_tecnico
    if r is not None:
        g = _sub(inf, "gRespTec")
        _sub(g, "CNPJ", normalize_document(r.cnpj))
        _sub(g, "xContato", r.contato)
        _sub(g, "email", r.email)
        _sub(g, "fone", only_digits(r.fone))


def _chave(d: NFComDados) -> ChaveAcesso:
    uf = d.emitente.endereco.uf
    if uf not in UF_CODES:
        raise NFComError(_("emit/enderEmit/UF: UF {u} inexistente").format(u=uf))
    try:
        return montar_chave(cuf=UF_CODES[uf], aamm=d.emissao.strftime("%y%m"), cnpj=normalize_document(d.emitente.cnpj),
                            serie=d.serie, numero=d.numero, tp_emis=d.tipo_emissao,
                            site_autorizador=d.site_autorizador, codigo=d.codigo_numerico)
    except ValueError as exc:
        raise NFComError(_("infNFCom/@Id (chave de acesso): {e}").format(e=exc)) from exc


def montar_nfcom(d: NFComDados, *, assinar_qr: Callable[[str], str] | None = None,
                 url_consulta: str = URL_SVRS) -> NFComMontada:
    """Monta, calcula e valida no XSD. `assinar_qr(chave)` é exigido na contingência (tpEmis 2):
    devolve o `sign` do QR Code (ver `qrcode.assinar_chave`)."""
    if not d.itens:
        raise NFComError(_("det: a NFCom precisa de pelo menos um item"))
    if len(d.itens) > MAX_ITENS:
        raise NFComError(_("det: no máximo {m} itens por NFCom (há {n})").format(m=MAX_ITENS, n=len(d.itens)))
    if d.finalidade == 3 and d.substituicao is None:
        raise NFComError(_("gSub: a NFCom de substituição (finNFCom 3) exige a chave substituída e o motivo"))
    chave = _chave(d)
    calculados = [_calcula(n, item) for n, item in enumerate(d.itens, start=1)]
    totais = _totais(calculados)

    raiz = etree.Element(_N + "NFCom", nsmap={None: NS})
    inf = _sub(raiz, "infNFCom", versao=VERSAO, Id=chave.id_nfcom)
    _ide(inf, d, chave)
    _emit(inf, d.emitente)
    _dest(inf, d.destinatario)
    _assinante(inf, d.assinante)
    if d.substituicao is not None:
        g = _sub(inf, "gSub")
        _sub(g, "chNFCom", d.substituicao.chave)
        _sub(g, "motSub", d.substituicao.motivo)
    for n, c in enumerate(calculados, start=1):
        _det(inf, n, c)
    _total(inf, totais)
    _faturamento(inf, d)
    _finais(inf, d)

    assinatura = None
    if d.tipo_emissao == 2:
        if assinar_qr is None:
            raise NFComError(_("infNFComSupl/qrCodNFCom: em contingência o QR Code leva a assinatura da chave "
                               "(parâmetro sign); informe o certificado"))
        assinatura = assinar_qr(chave.texto)
    supl = _sub(raiz, "infNFComSupl")
    _sub(supl, "qrCodNFCom", url_qrcode(chave.texto, d.ambiente, assinatura=assinatura, base_url=url_consulta))

    xml = etree.tostring(raiz, xml_declaration=False, encoding="UTF-8")
    problemas = problemas_sem_assinatura(xml)
    if problemas:
        raise NFComSchemaError(problemas)
    return NFComMontada(chave=chave, xml=xml, totais=totais)
