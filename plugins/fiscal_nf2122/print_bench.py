"""`quita bench fiscal-pdf --documents N --danfe M [--json]`: render N synthetic NF 21 "via única"
in one PDF and M DANFE-COM of a built NFCom (2 items, IBS/CBS), timing both (pure: no database)."""

from __future__ import annotations

import json
import time
import types
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import typer

COMPANY = types.SimpleNamespace(name="Provedor Exemplo Telecom Ltda", trade_name="Fibra Já", cnpj="07861033000175",
                                state_registration="110042490114", street="Av. Paulista", number="1000",
                                complement=None, district="Bela Vista", city="São Paulo", uf="SP", cep="01310100",
                                phone="1130000000", email="fiscal@example.com", site=None)


def synthetic_printables(n: int) -> list:
    from plugins.fiscal_nf2122.models import FiscalDocument, FiscalDocumentItem
    from plugins.fiscal_nf2122.printing import Printable

    result = []
    for k in range(n):
        plano = Decimal(79 + k % 5 * 20) + Decimal("0.90")
        icms = (plano * Decimal("0.18")).quantize(Decimal("0.01"))
        doc = FiscalDocument(model=21, serie="U", number=k + 1, issue_date=date(2026, 11, 1) + timedelta(days=k % 28),
                             period="2611", situacao="N", status="gerado", dest_document=f"{10_000_000_000 + k:011d}",
                             dest_name=f"Cliente Ação {k + 1}", dest_uf="SP", valor_total=plano + 10, bc_icms=plano,
                             icms=icms, isentas=Decimal("0.00"), outros=Decimal("10.00"), valor_fatura=plano + 10,
                             tipo_utilizacao=4, md5=f"{k:032x}", observation_1="Central do assinante 0800 000 0000")
        items = [FiscalDocumentItem(descricao="Serviço de comunicação multimídia", classificacao="0104", cfop="5307",
                                    valor_total=plano, desconto=Decimal("0.00"), bc_icms=plano,
                                    aliquota_icms=Decimal("18.00"), icms=icms),
                 FiscalDocumentItem(descricao="Locação de equipamento", classificacao="0702", cfop="5949",
                                    valor_total=Decimal("10.00"), desconto=Decimal("0.00"), bc_icms=Decimal("0.00"),
                                    aliquota_icms=Decimal("0.00"), icms=Decimal("0.00"))]
        party = types.SimpleNamespace(code=k + 1, street="Rua São João", number=str(k % 999 + 1), complement=None,
                                      district="Centro", city="São Paulo", uf="SP", cep="01310100")
        result.append(Printable(doc=doc, company=COMPANY, party=party, items=items, invoice_number=k + 1,
                                invoice_due=date(2026, 11, 20)))
    return result


def synthetic_nfcom() -> bytes:
    from plugins.fiscal_nf2122.nfcom.documento import (Assinante, Destinatario, Emitente, Endereco, Faturamento,
                                                       IbsCbs, Item, NFComDados)
    from plugins.fiscal_nf2122.nfcom.xml_builder import montar_nfcom

    end = Endereco("Rua das Flores", "100", "Centro", "4106902", "Curitiba", "80010-000", "PR")
    dados = NFComDados(
        emitente=Emitente("06117473000150", "9012345678", 1, "Provedor Exemplo Ltda", end, fantasia="Fibra Já"),
        destinatario=Destinatario("Maria da Silva", "529.982.247-25", end),
        assinante=Assinante("C-1001", 3, 4, contrato="CT-77"),
        itens=[Item("F300", "Plano Fibra 300 Mega", "0100401", Decimal("99.90"), cfop="5307", ibscbs=IbsCbs()),
               Item("ROT", "Locação de roteador", "0600402", Decimal("10.00"), cfop="5307", ibscbs=IbsCbs())],
        serie=1, numero=123, emissao=datetime(2026, 11, 5, 10, 30, tzinfo=timezone(timedelta(hours=-3))),
        municipio_fato_gerador="4106902", codigo_numerico="1234567",
        faturamento=Faturamento("202611", date(2026, 11, 20), "34191790010104351004791020150008291070026000"))
    return montar_nfcom(dados).xml


def bench_pdf(documents: int, danfes: int) -> dict:
    from plugins.fiscal_nf2122.danfe_com import danfe_com_pdf
    from plugins.fiscal_nf2122.printing import render_pdf

    printables = synthetic_printables(documents)
    t0, c0 = time.perf_counter(), time.process_time()
    pdf = render_pdf(printables)
    nf_s, nf_cpu = time.perf_counter() - t0, time.process_time() - c0
    xml = synthetic_nfcom()
    t0, c0 = time.perf_counter(), time.process_time()
    size = 0
    for _ in range(danfes):
        size = len(danfe_com_pdf(xml))
    danfe_s, danfe_cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"documents": documents, "nf_bytes": len(pdf), "nf_s": round(nf_s, 3), "nf_cpu_s": round(nf_cpu, 3),
            "nf_per_s": round(documents / nf_s, 1) if nf_s else None, "danfes": danfes, "danfe_bytes": size,
            "danfe_s": round(danfe_s, 3), "danfe_cpu_s": round(danfe_cpu, 3),
            "danfe_per_s": round(danfes / danfe_s, 1) if danfe_s else None}


def register(bench: typer.Typer) -> None:
    @bench.command("fiscal-pdf")
    def bench_pdf_cmd(
        documents: int = typer.Option(500, "--documents", min=1, help="Notas modelo 21 sintéticas num só PDF."),
        danfe: int = typer.Option(100, "--danfe", min=1, help="Quantos DANFE-COM gerar (um PDF cada)."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Mede a impressão da NF 21 (via única) e do DANFE-COM (sem banco de dados)."""
        r = bench_pdf(documents, danfe)
        if as_json:
            typer.echo(json.dumps(r))
            return
        typer.echo(f"NF 21 via única: {r['documents']} notas num PDF de {r['nf_bytes']} bytes em {r['nf_s']} s "
                   f"({r['nf_per_s']} notas/s; CPU {r['nf_cpu_s']} s)")
        typer.echo(f"DANFE-COM: {r['danfes']} PDFs de {r['danfe_bytes']} bytes em {r['danfe_s']} s "
                   f"({r['danfe_per_s']}/s; CPU {r['danfe_cpu_s']} s)")
