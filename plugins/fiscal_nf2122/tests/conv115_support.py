"""Shared data for the Convênio 115 tests: the copied fixtures and a small delivery."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from plugins.fiscal_nf2122.conv115.writer import Destinatario, DocumentoNF, Emitente, Entrega, ItemNF

FIXTURES = Path(__file__).parent / "fixtures" / "conv115"
PREFIX = "__UF9999999999999921U  1701N01"
FIXTURE_M, FIXTURE_I, FIXTURE_D = (FIXTURES / f"{PREFIX}{t}.001" for t in "MID")

EMITENTE = Emitente(cnpj="07.861.033/0001-75", uf="SP", ie="110042490114", razao_social="Provedor Ação Ltda",
                    endereco="Av. Paulista, 1000", cep="01310-100", bairro="Bela Vista", municipio="São Paulo",
                    responsavel="Maria Fiscal", cargo="Contadora", telefone="1130000000", email="fiscal@example.com")


def fixture_files() -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in (FIXTURE_M, FIXTURE_I, FIXTURE_D)]


def entrega(**kw) -> Entrega:
    return Entrega(**{"emitente": EMITENTE, "modelo": 21, "serie": "U", "periodo": "2611", **kw})


def documento(numero: int, *, situacao: str = "N", **kw) -> DocumentoNF:
    dest = Destinatario(cnpj_cpf="123.456.789-09", razao_social="José da Conceição", uf="SP", logradouro="Rua São João",
                        numero_endereco="12", cep="01310-100", bairro="Centro", municipio="São Paulo",
                        codigo_municipio="3550308", codigo_assinante=f"C{numero}")
    itens = [ItemNF(descricao="Serviço de comunicação multimídia", valor_total=Decimal("99.90"), bc_icms=Decimal("99.90"),
                    icms=Decimal("17.98"), aliquota_icms=Decimal("18.00"), desconto=Decimal("5.00")),
             ItemNF(descricao="Locação de equipamento", valor_total=Decimal("10.00"), outros=Decimal("10.00"), cfop="5949")]
    return DocumentoNF(**{"numero": numero, "data_emissao": date(2026, 11, numero % 28 + 1), "destinatario": dest,
                          "itens": itens, "situacao": situacao, "terminal": "1130000000", **kw})
