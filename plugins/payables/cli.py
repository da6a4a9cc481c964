"""Command line of payables: `quita pagar lancar` and `quita pagar list` (`baixar` and `estornar`:
writeoff_cli.py).

    quita pagar lancar --fornecedor 11.222.333/0001-81 --emissao 05/11/2026 --total 1000,00 \\
        --parcelas 3 --prazo 30 --historico 410 --conta-debito 4.1.03=600,00 --conta-debito 4.1.04=400,00 \\
        [--centro-custo ADM=60 --centro-custo TEC=40] [--vencimento-fixo] [--previa] [--json]
    quita pagar list [--empresa 1] [--fornecedor DOC] [--situacao em_aberto] [--json]

Accounts, históricos and cost centres are given by their codes in the company's chart; the
company by its code or id (optional when there is only one).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import List, Optional

import typer

from plugins.payables.cli_support import buyer_id, company_id as company_id_of, date_or_today, id_by_code, pairs, refuse


def _build_request(s, o: dict):
    from core.errors import ValidationError
    from core.ledger.models import AccountingTemplate, CostCentre
    from plugins.payables.apportionment import account_by_code
    from plugins.payables.launch import LaunchRequest, find_supplier
    from plugins.payables.models import DUE_BY_TERM, DUE_FIXED_DAY

    company_id = company_id_of(s, o["empresa"])
    template_id = (id_by_code(s, AccountingTemplate, company_id, o["historico"], "template_id", "Histórico")
                   if o["historico"] else None)
    debits = pairs(o["conta_debito"])
    splits, debit_id = [], None
    if len(debits) == 1 and debits[0][1] is None:
        debit_id = account_by_code(s, company_id, debits[0][0], field="debit_splits", side="débito").id
    else:
        for code, value in debits:
            if value is None:
                raise ValidationError(f"Desmembramento: informe o valor da conta débito {code} (CÓDIGO=VALOR).",
                                      field="debit_splits")
            splits.append((account_by_code(s, company_id, code, field="debit_splits", side="débito").id, value))
    centres = [(id_by_code(s, CostCentre, company_id, code, "cost_centres", "Centro de custo"), value or "")
               for code, value in pairs(o["centro_custo"])]

    def account(code, field, side):
        return account_by_code(s, company_id, code, field=field, side=side).id if code else None

    buyer = buyer_id(s, o["comprador"]) if o["comprador"] else None
    return LaunchRequest(
        company_id=company_id, supplier_id=find_supplier(s, o["fornecedor"]).id,
        emission_date=date_or_today(o["emissao"], "emission_date"), launch_date=date_or_today(o["lancamento"], "launch_date"),
        document=o["documento"], series=o["serie"], total=o["total"], discount=o["desconto"] or "0",
        installments=o["parcelas"], term_days=o["prazo"], due_mode=DUE_FIXED_DAY if o["vencimento_fixo"] else DUE_BY_TERM,
        payment_form=o["forma_pagamento"], template_id=template_id, debit_account_id=debit_id, debit_splits=splits,
        credit_account_id=account(o["conta_credito"], "credit_account_id", "crédito"),
        cash_flow_account_id=account(o["conta_fluxo"], "cash_flow_account_id", "de fluxo de caixa"),
        cost_centres=centres, keep_typed_apportionment=o["nao_ratear_diferenca"], advance=o["adiantamento"],
        order_number=o["pedido"], buyer_id=buyer, standard_note=o["observacao"], category=o["categoria"],
        create_category=o["criar_categoria"], situation=o.get("status"))


def _preview_dict(p) -> dict:
    return {"net": str(p.net), "installments": [{"sequence": i.sequence, "due_date": i.due_date.isoformat(),
                                                 "amount": str(i.amount)} for i in p.installments],
            "debit_splits": [{"account_id": d.account_id, "amount": str(d.amount)} for d in p.debit_splits],
            "apportionment": [{"cost_centre_id": c.cost_centre_id, "percent": str(c.percent),
                               "amount": str(c.amount)} for c in p.apportionment]}


def register(cli: typer.Typer) -> None:
    pagar = typer.Typer(help="Contas a pagar: faturas de fornecedores.", no_args_is_help=True)

    @pagar.command("lancar")
    def lancar(
        fornecedor: str = typer.Option(..., "--fornecedor", help="CPF/CNPJ ou código do fornecedor."),
        total: str = typer.Option(..., "--total", help="Valor total da fatura, ex.: 1000,00."),
        empresa: Optional[str] = typer.Option(None, "--empresa", help="Código ou id da empresa (opcional se houver uma)."),
        emissao: Optional[str] = typer.Option(None, "--emissao", help="Data de emissão (dd/mm/aaaa; padrão: hoje)."),
        lancamento: Optional[str] = typer.Option(None, "--lancamento", help="Data de lançamento (padrão: hoje)."),
        documento: Optional[str] = typer.Option(None, "--documento", help="Número da nota fiscal de entrada."),
        serie: Optional[str] = typer.Option(None, "--serie", help="Série (de entrada) da nota fiscal."),
        parcelas: int = typer.Option(1, "--parcelas", help="Quantidade de parcelas."),
        prazo: int = typer.Option(30, "--prazo", help="Prazo (dias): emissão + prazo = 1º vencimento."),
        vencimento_fixo: bool = typer.Option(False, "--vencimento-fixo", help="Gerar vencimento fixo (mesmo dia de cada mês)."),
        forma_pagamento: str = typer.Option("crediario", "--forma-pagamento",
                                            help="chq_vista, chq_prazo, crediario, cartao ou convenio."),
        desconto: Optional[str] = typer.Option(None, "--desconto", help="Desconto sobre o valor total."),
        historico: Optional[str] = typer.Option(None, "--historico", help="Código do histórico contábil."),
        status: Optional[str] = typer.Option(None, "--status", help="Status do lançamento (código ou nome; só com "
                                                                    "status cadastrados)."),
        conta_debito: List[str] = typer.Option([], "--conta-debito",
                                               help="Conta débito (código); repetida com CÓDIGO=VALOR para desmembrar."),
        conta_credito: Optional[str] = typer.Option(None, "--conta-credito", help="Código da conta crédito."),
        conta_fluxo: Optional[str] = typer.Option(None, "--conta-fluxo", help="Código da conta de fluxo de caixa."),
        centro_custo: List[str] = typer.Option([], "--centro-custo", help="CÓDIGO=PERCENTUAL (ou =VALOR com "
                                                                         "--nao-ratear-diferenca); pode repetir."),
        nao_ratear_diferenca: bool = typer.Option(False, "--nao-ratear-diferenca",
                                                  help="Não ratear diferença entre centros de custo."),
        adiantamento: bool = typer.Option(False, "--adiantamento", help="Fatura de adiantamento (exige --pedido)."),
        pedido: Optional[str] = typer.Option(None, "--pedido", help="Nº do pedido do adiantamento."),
        comprador: Optional[str] = typer.Option(None, "--comprador", help="CPF/CNPJ ou código do comprador."),
        observacao: Optional[str] = typer.Option(None, "--observacao", help="Observação padrão."),
        categoria: Optional[str] = typer.Option(None, "--categoria", help="Categoria financeira."),
        criar_categoria: bool = typer.Option(False, "--criar-categoria", help="Cadastra a categoria se não existir."),
        previa: bool = typer.Option(False, "--previa", help="Só mostra as parcelas e o lançamento; nada é gravado."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Lança uma fatura a pagar (Lançar Pagamento - Contas a Pagar) com as parcelas e o lançamento contábil."""
        from core.cli import runtime
        from core.db import unit_of_work
        from core.errors import QuitaError
        from core.money import format_brl
        from plugins.payables.launch import launch_invoice, preview_launch
        from plugins.payables.listing import invoice_as_dict

        options = dict(locals())
        rt = runtime(check_schema=True)
        try:
            with unit_of_work(rt.engine, readonly=previa) as s:
                req = _build_request(s, options)
                if previa:
                    row = _preview_dict(preview_launch(s, req, runtime=rt))
                else:
                    row = invoice_as_dict(s, launch_invoice(s, req, runtime=rt))
        except QuitaError as exc:
            refuse(exc)
        if as_json:
            typer.echo(json.dumps(row, ensure_ascii=False))
            return
        if not previa:
            typer.echo(f"Fatura a pagar nº {row['number']} lançada: {format_brl(Decimal(row['net']))} em "
                       f"{len(row['installments'])} parcela(s); lançamento contábil {row['entry_id']}.")
        else:
            typer.echo(f"Prévia (nada gravado): {format_brl(Decimal(row['net']))} em "
                       f"{len(row['installments'])} parcela(s).")
        for p in row["installments"]:
            code = f"fatura {p['code']}  " if "code" in p else ""
            typer.echo(f"  {p['sequence']:>3}  {code}venc. {_br(p['due_date'])}  {format_brl(Decimal(p['amount'])):>14}")

    @pagar.command("list")
    def list_cmd(
        empresa: Optional[str] = typer.Option(None, "--empresa", help="Código ou id da empresa."),
        fornecedor: Optional[str] = typer.Option(None, "--fornecedor", help="CPF/CNPJ ou código do fornecedor."),
        situacao: Optional[str] = typer.Option(None, "--situacao", help="em_aberto, parcial, liquidada ou excluida."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Lista as faturas a pagar lançadas (mais recentes primeiro)."""
        from core.cli import echo_rows, fail, runtime
        from core.db import unit_of_work
        from core.errors import QuitaError
        from core.money import format_brl
        from plugins.payables.launch import find_supplier
        from plugins.payables.listing import invoice_as_dict, list_invoices

        rt = runtime(check_schema=True)
        try:
            with unit_of_work(rt.engine, readonly=True) as s:
                company_id = company_id_of(s, empresa) if empresa else None
                supplier_id = find_supplier(s, fornecedor).id if fornecedor else None
                rows = [invoice_as_dict(s, i) for i in list_invoices(s, company_id=company_id, supplier_id=supplier_id,
                                                                     status=situacao)]
        except QuitaError as exc:
            fail(str(exc))
        echo_rows(rows, as_json=as_json, empty="Nenhuma fatura a pagar.",
                  line=lambda r: f"{r['number']:>6}  {_br(r['emission_date'])}  {(r['supplier'] or '')[:30]:<30}  "
                                 f"{format_brl(Decimal(r['net'])):>14}  {len(r['installments']):>3}x  {r['status_label']}")

    from plugins.payables.writeoff_cli import register as register_writeoff

    register_writeoff(pagar)  # baixar, estornar
    cli.add_typer(pagar, name="pagar")


def _br(iso: str) -> str:
    return f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}"
