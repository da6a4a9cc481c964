"""Validação contra os esquemas oficiais da NFCom 1.00 (`schemas/`, ver PROVENANCE.md ali).

Os erros do libxml2 chegam em inglês com o nome qualificado do elemento; aqui viram linhas pt-BR
que começam pelo caminho do elemento (`infNFCom/det[1]/prod/cClass`), para o operador achar o campo.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from lxml import etree

from core.i18n import _

SCHEMAS_DIR = Path(__file__).with_name("schemas")
NS = "http://www.portalfiscal.inf.br/nfcom"
DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"


class NFComError(ValueError):
    """Dados que não formam uma NFCom válida; a mensagem (pt-BR) começa pelo caminho do elemento."""


class NFComSchemaError(NFComError):
    """O XML não passa no XSD; `problemas` traz uma linha pt-BR por erro."""

    def __init__(self, problemas: list[str]):
        self.problemas = problemas
        super().__init__(_("NFCom inválida no esquema XSD: {p}").format(p="; ".join(problemas)))


@lru_cache(maxsize=None)
def schema(nome: str = "nfcom_v1.00.xsd") -> etree.XMLSchema:
    """O esquema `nome` de `schemas/` (carregado uma vez por processo)."""
    return etree.XMLSchema(etree.parse(str(SCHEMAS_DIR / nome)))


_QNAME = re.compile(r"\{(?:https?|urn):[^}]*\}")
_ELEMENT = re.compile(r"^Element '([^']+)'(?:, attribute '([^']+)')?: ")


def _caminho(doc: etree._ElementTree, linha: int, nome: str) -> str:
    """Caminho legível (sem namespace) do elemento `nome` na linha `linha`, quando achado."""
    for el in doc.getroot().iter():
        if el.sourceline == linha and etree.QName(el).localname == nome:
            partes = []
            node = el
            while node is not None:
                nome_no = etree.QName(node).localname
                pai = node.getparent()
                irmaos = [s for s in pai if s.tag == node.tag] if pai is not None else [node]
                partes.append(f"{nome_no}[{irmaos.index(node) + 1}]" if len(irmaos) > 1 else nome_no)
                node = pai
            return "/".join(reversed(partes))
    return nome


def _traduz(mensagem: str) -> str:
    m = mensagem
    m = re.sub(r"This element is not expected\. Expected is one of \( (.*) \)\.",
               r"elemento fora do lugar; esperado um de: \1", m)
    m = re.sub(r"This element is not expected\. Expected is \( (.*) \)\.",
               r"elemento fora do lugar; esperado: \1", m)
    m = m.replace("This element is not expected.", "elemento não esperado aqui.")
    m = re.sub(r"Missing child element\(s\)\. Expected is one of \( (.*) \)\.",
               r"faltam elementos filhos; esperado um de: \1", m)
    m = re.sub(r"Missing child element\(s\)\. Expected is \( (.*) \)\.",
               r"faltam elementos filhos; esperado: \1", m)
    m = re.sub(r"\[facet 'pattern'\] The value '(.*)' is not accepted by the pattern '(.*)'\.",
               r"valor '\1' fora do padrão '\2'", m)
    m = re.sub(r"\[facet 'enumeration'\] The value '(.*)' is not an element of the set \{(.*)\}\.",
               r"valor '\1' não está entre os permitidos {\2}", m)
    m = re.sub(r"\[facet 'maxLength'\] The value has a length of '(\d+)'; this exceeds the allowed maximum "
               r"length of '(\d+)'\.", r"tamanho \1 acima do máximo \2", m)
    m = re.sub(r"\[facet 'minLength'\] The value has a length of '(\d+)'; this underruns the allowed minimum "
               r"length of '(\d+)'\.", r"tamanho \1 abaixo do mínimo \2", m)
    m = re.sub(r"The attribute '([^']+)' is required but missing\.", r"falta o atributo obrigatório '\1'", m)
    m = re.sub(r"'(.*)' is not a valid value of the (local|atomic) type '([^']+)'\.",
               r"valor '\1' inválido para o tipo \3", m)
    m = re.sub(r"'(.*)' is not a valid value of the (local )?(atomic|list|union) type\.",
               r"valor '\1' inválido", m)
    return _QNAME.sub("", m)


def problemas_xsd(xml: bytes | etree._Element, nome: str = "nfcom_v1.00.xsd") -> list[str]:
    """Lista (vazia = válido) dos erros do XSD, cada um começando pelo caminho do elemento."""
    raw = etree.tostring(xml) if isinstance(xml, etree._Element) else xml
    # um elemento por linha: o erro do libxml2 só traz a linha, e o XML compacto tem uma linha só
    compacto = etree.fromstring(raw, parser=etree.XMLParser(remove_blank_text=True))
    doc = etree.ElementTree(etree.fromstring(etree.tostring(compacto, pretty_print=True)))
    sch = schema(nome)
    if sch.validate(doc):
        return []
    saida = []
    for erro in sch.error_log:
        texto = _QNAME.sub("", erro.message)
        achado = _ELEMENT.match(texto)
        if achado:
            elemento, atributo = achado.groups()
            onde = _caminho(doc, erro.line, elemento)
            if atributo:
                onde += f"/@{atributo}"
            saida.append(f"{onde}: {_traduz(texto[achado.end():])}")
        else:
            saida.append(f"linha {erro.line}: {_traduz(texto)}")
    return saida


def validar_xsd(xml: bytes | etree._Element, nome: str = "nfcom_v1.00.xsd") -> None:
    """Levanta `NFComSchemaError` se o XML não passar no esquema `nome`."""
    problemas = problemas_xsd(xml, nome)
    if problemas:
        raise NFComSchemaError(problemas)


_ASSINATURA_PROVISORIA = (
    f'<Signature xmlns="{DSIG_NS}"><SignedInfo>'
    '<CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>'
    '<SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1"/>'
    '<Reference URI="#provisoria"><Transforms>'
    '<Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
    '<Transform Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/></Transforms>'
    '<DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/><DigestValue>AA==</DigestValue>'
    '</Reference></SignedInfo><SignatureValue>AA==</SignatureValue>'
    '<KeyInfo><X509Data><X509Certificate>AA==</X509Certificate></X509Data></KeyInfo></Signature>'
)


def problemas_sem_assinatura(xml: bytes) -> list[str]:
    """Valida uma NFCom ainda não assinada: põe uma `ds:Signature` provisória (só forma) no fim da
    raiz, se não houver, e valida; os erros apontam os elementos da nota, nunca a assinatura."""
    raiz = etree.fromstring(xml)
    if raiz.find(f"{{{DSIG_NS}}}Signature") is None:
        raiz.append(etree.fromstring(_ASSINATURA_PROVISORIA))
    return problemas_xsd(etree.tostring(raiz))
