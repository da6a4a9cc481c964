"""Stored fiscal documents → the conv115 writer's dataclasses (`Entrega`, `DocumentoNF`, …).

The document MD5 (mestre campo 13) is computed here by rendering the document's mestre record with
the writer (`mestre_values` + `render`), so the value kept on the document is, byte for byte, the
one the period file carries.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.br.documents import only_digits
from plugins.fiscal_nf2122.conv115.layout import CURRENT, load_layout
from plugins.fiscal_nf2122.conv115.writer import (Destinatario, DocumentoNF, Emitente, Entrega, ItemNF,
                                                  mestre_values, render)
from plugins.fiscal_nf2122.models import FiscalDocument, FiscalDocumentItem

TIPO_CLIENTE = {"PJ": 1, "PF": 3}  # tab. 11.8.2: 01 comercial, 03 residencial/pessoa física; else 99


def emitente_of(company) -> Emitente:
    return Emitente(cnpj=company.cnpj, uf=(company.uf or "").upper(), ie=company.state_registration or "",
                    razao_social=company.name, endereco=" ".join(p for p in (company.street, company.number) if p),
                    cep=company.cep or "", bairro=company.district or "", municipio=company.city or "",
                    telefone=company.phone or "", email=company.email or "")


def entrega_of(company, model: int, serie: str, period: str, *, status: str = "N", sequencia: int = 1) -> Entrega:
    return Entrega(emitente=emitente_of(company), modelo=model, serie=serie, periodo=period, status=status,
                   sequencia=sequencia)


def destinatario_of(doc: FiscalDocument, party) -> Destinatario:
    """The destinatário as issued (document, name, UF) with the party's current address."""
    return Destinatario(
        cnpj_cpf=doc.dest_document, razao_social=doc.dest_name, uf=doc.dest_uf,
        logradouro=party.street or "", numero_endereco=party.number or "", complemento=party.complement or "",
        cep=party.cep or "", bairro=party.district or "", municipio=party.city or "",
        codigo_municipio=only_digits(party.ibge_code or ""), telefone=party.phone or party.mobile or "",
        codigo_assinante=str(party.code), tipo_cliente=TIPO_CLIENTE.get(party.person_type, 99))


def item_of(row: FiscalDocumentItem) -> ItemNF:
    return ItemNF(descricao=row.descricao, valor_total=row.valor_total, cfop=row.cfop,
                  codigo_servico=row.codigo_servico, classificacao=row.classificacao, unidade=row.unidade,
                  desconto=row.desconto, acrescimos=row.acrescimos, bc_icms=row.bc_icms, icms=row.icms,
                  isentas=row.isentas, outros=row.outros, aliquota_icms=row.aliquota_icms,
                  aliquota_pis=row.aliquota_pis, pis=row.pis, aliquota_cofins=row.aliquota_cofins,
                  cofins=row.cofins, contrato=row.contrato, tipo_isencao=row.tipo_isencao)


def documento_of(doc: FiscalDocument, party, items: list[FiscalDocumentItem], invoice_number: int | None) -> DocumentoNF:
    return DocumentoNF(numero=doc.number, data_emissao=doc.issue_date, destinatario=destinatario_of(doc, party),
                       itens=[item_of(i) for i in items], situacao=doc.situacao,
                       tipo_utilizacao=doc.tipo_utilizacao, fatura_comercial=str(invoice_number or ""),
                       valor_fatura=doc.valor_fatura, informacoes_adicionais=doc.reference or "")


def _load(session: Session, doc: FiscalDocument):
    from core.models.company import Company
    from core.parties.models import Party
    from plugins.receivables.models import Invoice

    items = list(session.scalars(select(FiscalDocumentItem).where(FiscalDocumentItem.document_id == doc.id)
                                 .order_by(FiscalDocumentItem.position)))
    invoice = session.get(Invoice, doc.invoice_id)
    return (session.get(Company, doc.company_id),
            documento_of(doc, session.get(Party, doc.party_id), items, invoice.number if invoice else None))


def document_md5_of(session: Session, doc: FiscalDocument) -> str:
    """Mestre campo 13 of the generated document, as the period file will carry it."""
    company, documento = _load(session, doc)
    layout = load_layout(CURRENT)
    mestre = layout.record("M")
    entrega = entrega_of(company, doc.model, doc.serie, doc.period)
    line = render(mestre, mestre_values(entrega, documento, 1), layout=layout)
    return mestre.field("md5_documento").slice(line)


def documentos_for_file(session: Session, docs: list[FiscalDocument]) -> list[DocumentoNF]:
    return [_load(session, doc)[1] for doc in docs]
