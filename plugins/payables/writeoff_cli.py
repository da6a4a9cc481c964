"""Command line of the write-off and the reversal: `quita pagar baixar` and `quita pagar estornar`.

    quita pagar baixar --fatura 1 [--data 05/12/2026] [--juros 10,00] [--desconto 2,00] [--taxa 1,50] \\
        [--abatimento 3,00] [--valor-pago 100,00 --novo-vencimento 15/01/2027 [--observacao-saldo …] \\
        [--juros-saldo 4,66]] [--indice-conversao 5,4998] [--conta-credito 1.1.1.02] [--conta-debito 2.1.01] \\
        [--centro-custo ADM | --rateio ADM=60 --rateio TEC=40] [--complemento …] [--categoria Links [--criar-categoria]] [--cheque 123 [--compensado]] \\
        [--nosso-numero NN] [--data-conta 07/12/2026] [--portador BB] [--status Pago] \\
        [--email-fornecedor | --sem-email-fornecedor] [--previa] [--json]
    quita pagar baixar --fatura 1 --fatura 2 …            # em lote (sempre total)
    quita pagar baixar --lote --vencimento-de 01/12/2026 --vencimento-ate 31/12/2026 [--fornecedor DOC] \\
        [--faixa 1-10] [--filtro-portador BB] [--serie 1] [--documento 4512] [--forma-pagamento crediario] \\
        [--conta-fluxo 1.1.1.02] [--filtro-nosso-numero NN] [--previa]
    quita pagar estornar --fatura 1 --motivo "Pago em duplicidade" [--data 10/12/2026] [--status Aguardando]
    quita pagar estornar [--fornecedor DOC] [--nosso-numero NN]    # pesquisa (sem --fatura)
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import List, Optional

import typer

from plugins.payables.cli_support import (carrier_id, company_id as company_id_of, id_by_code, optional_date, pairs,
                                          refuse)


def _request(s, o: dict, company_id: int):
    from core.ledger.models import CostCentre
    from plugins.payables.writeoff import WriteOffRequest

    return WriteOffRequest(
        paid_on=optional_date(o["data"], "paid_on"), interest=o["juros"], discount=o["desconto"], fee=o["taxa"],
        abatement=o["abatimento"], paid=o["valor_pago"], conversion_index=o["indice_conversao"],
        new_due_date=optional_date(o["novo_vencimento"], "new_due_date"), remainder_note=o["observacao_saldo"],
        remainder_interest=o["juros_saldo"], debit_account_id=o["conta_debito"], cash_account_id=o["conta_credito"],
        cost_centre_id=(id_by_code(s, CostCentre, company_id, o["centro_custo"], "cost_centre_id", "Centro de custo")
                        if o["centro_custo"] else None),
        history_note=o["complemento"], category=o["categoria"], create_category=o["criar_categoria"],
        cheque_number=o["cheque"], cheque_cleared=o["compensado"], our_number=o["nosso_numero"],
        account_date=optional_date(o["data_conta"], "account_date"),
        carrier_id=carrier_id(s, o["portador"], "carrier_id"), situation=o["status"],
        email_supplier=o.get("email_fornecedor"),
        cost_centres=[(id_by_code(s, CostCentre, company_id, code, "cost_centres", "Centro de custo"), pct or "")
                      for code, pct in pairs(o.get("rateio") or [])] or None)


def _batch_filter(s, o: dict, company_id: int):
    from core.errors import ValidationError
    from plugins.payables.apportionment import account_by_code
    from plugins.payables.launch import find_supplier
    from plugins.payables.writeoff_search import InstallmentFilter

    first = last = None
    if o["faixa"]:
        a, _, b = o["faixa"].partition("-")
        if not (a.strip().isdigit() and (b.strip() or a).isdigit()):
            raise ValidationError(f"Faixa de faturas inválida: {o['faixa']} (ex.: 10-20).", field="faixa")
        first, last = int(a), int(b.strip() or a)
    return InstallmentFilter(
        company_id=company_id, code_from=first, code_to=last,
        due_from=optional_date(o["vencimento_de"], "due_from"), due_to=optional_date(o["vencimento_ate"], "due_to"),
        supplier_id=find_supplier(s, o["fornecedor"]).id if o["fornecedor"] else None,
        carrier_ids=[carrier_id(s, c, "carrier_ids") for c in o["filtro_portador"]],
        cash_flow_account_id=(account_by_code(s, company_id, o["conta_fluxo"], field="cash_flow_account_id",
                                              side="de fluxo de caixa").id if o["conta_fluxo"] else None),
        payment_form=o["forma_pagamento"], series=o["serie"], document=o["documento"],
        our_number=o["filtro_nosso_numero"])


def _plan_row(inst, plan) -> dict:
    return {"code": inst.code, "kind": plan.kind, "paid_on": plan.paid_on.isoformat(), "due": str(plan.due),
            "paid": str(plan.paid), "principal": str(plan.principal), "rest": str(plan.rest),
            "alerts": plan.alerts, "taxes": {t.tax: str(t.amount) for t in plan.taxes}}


def writeoff_row(session, wo) -> dict:
    from plugins.payables.models import PayableInstallment

    inst = session.get(PayableInstallment, wo.installment_id)
    rest = session.get(PayableInstallment, wo.remainder_installment_id) if wo.remainder_installment_id else None
    return {"id": wo.id, "code": inst.code, "kind": wo.kind, "paid_on": wo.paid_on.isoformat(),
            "principal": str(wo.principal), "paid": str(wo.paid), "interest": str(wo.interest),
            "discount": str(wo.discount), "fee": str(wo.fee), "abatement": str(wo.abatement),
            "irrf": str(wo.irrf), "pis": str(wo.pis), "cofins": str(wo.cofins), "csll": str(wo.csll),
            "entry_id": wo.entry_id, "status": inst.status, "reversed": wo.reversed,
            "reversal_entry_id": wo.reversal_entry_id,
            "remainder": ({"code": rest.code, "amount": str(rest.amount), "due_date": rest.due_date.isoformat()}
                          if rest else None)}


def _echo_writeoffs(rows: list[dict], previa: bool) -> None:
    from core.money import format_brl

    for r in rows:
        for alert in r.get("alerts", []):
            typer.echo(f"Atenção: {alert}")
        kind = {"total": "baixa total", "parcial": "baixa parcial", "lote": "baixa em lote"}[r["kind"]]
        if previa:
            typer.echo(f"Prévia (nada gravado): fatura {r['code']}, {kind}: {format_brl(Decimal(r['paid']))} a pagar.")
            continue
        typer.echo(f"Fatura {r['code']} baixada ({kind}): {format_brl(Decimal(r['paid']))} pagos; "
                   f"lançamento contábil {r['entry_id']}.")
        if r["remainder"]:
            rest = r["remainder"]
            typer.echo(f"Nova fatura {rest['code']}: {format_brl(Decimal(rest['amount']))}, "
                       f"venc. {rest['due_date'][8:10]}/{rest['due_date'][5:7]}/{rest['due_date'][:4]}.")


def _run_writeoff(s, rt, o: dict) -> list[dict]:
    from core.errors import ValidationError
    from plugins.payables.writeoff import installment_by_code, preview_writeoff, write_off, write_off_batch
    from plugins.payables.writeoff_search import search_installments

    company_id = company_id_of(s, o["empresa"])
    if o["lote"]:
        picked = search_installments(s, _batch_filter(s, o, company_id))
        if not picked:
            raise ValidationError("Nenhuma fatura em aberto nos filtros informados.", field="installments")
    else:
        if not o["fatura"]:
            raise ValidationError("Informe o número da fatura (--fatura) ou use --lote com os filtros.",
                                  field="installment")
        picked = [installment_by_code(s, company_id, code) for code in o["fatura"]]
    items = [(inst, _request(s, o, company_id)) for inst in picked]
    if o["previa"]:
        return [_plan_row(inst, preview_writeoff(s, inst, req, runtime=rt)) for inst, req in items]
    if len(items) == 1 and not o["lote"]:
        wos = [write_off(s, items[0][0], items[0][1], runtime=rt)]
    else:
        wos = write_off_batch(s, items, runtime=rt)
    return [writeoff_row(s, wo) for wo in wos]


def register(pagar: typer.Typer) -> None:
    @pagar.command("baixar")
    def baixar(
        fatura: List[int] = typer.Option([], "--fatura", help="Número (código) da fatura a pagar; repita para lote."),
        empresa: Optional[str] = typer.Option(None, "--empresa", help="Código ou id da empresa."),
        data: Optional[str] = typer.Option(None, "--data", help="Data da baixa (dd/mm/aaaa; padrão: hoje)."),
        juros: Optional[str] = typer.Option(None, "--juros", help="Juros (R$)."),
        desconto: Optional[str] = typer.Option(None, "--desconto", help="Desconto (R$)."),
        taxa: Optional[str] = typer.Option(None, "--taxa", help="Taxa financeira (R$)."),
        abatimento: Optional[str] = typer.Option(None, "--abatimento", help="Abatimento (R$)."),
        valor_pago: Optional[str] = typer.Option(None, "--valor-pago", help="Valor pago (menor ⇒ baixa parcial)."),
        indice_conversao: Optional[str] = typer.Option(None, "--indice-conversao",
                                                       help="Índice de conversão para R$ (valor pago em moeda estrangeira)."),
        novo_vencimento: Optional[str] = typer.Option(None, "--novo-vencimento", help="Baixa parcial: vencimento da nova fatura."),
        observacao_saldo: Optional[str] = typer.Option(None, "--observacao-saldo", help="Baixa parcial: observação."),
        juros_saldo: Optional[str] = typer.Option(None, "--juros-saldo", help="Baixa parcial: juros em R$ na nova fatura."),
        conta_debito: Optional[str] = typer.Option(None, "--conta-debito", help="Conta débito (padrão: a do lançamento)."),
        conta_credito: Optional[str] = typer.Option(None, "--conta-credito", help="Conta crédito: banco ou caixa."),
        centro_custo: Optional[str] = typer.Option(None, "--centro-custo", help="Centro de custo (juros e taxa)."),
        rateio: List[str] = typer.Option([], "--rateio", help="Rateio de juros e taxa: CÓDIGO=% (repita; somam 100). "
                                                              "Vazio: --centro-custo, senão o rateio do lançamento."),
        complemento: Optional[str] = typer.Option(None, "--complemento", help="Complemento do histórico."),
        categoria: Optional[str] = typer.Option(None, "--categoria", help="Categoria financeira (padrão: a da fatura)."),
        criar_categoria: bool = typer.Option(False, "--criar-categoria", help="Cadastra a categoria se não existir."),
        cheque: Optional[str] = typer.Option(None, "--cheque", help="Documento/Cheque."),
        compensado: bool = typer.Option(False, "--compensado", help="Lançamento efetivado/compensado (só com o parâmetro lancamento_efetivado)."),
        nosso_numero: Optional[str] = typer.Option(None, "--nosso-numero", help="Nosso número."),
        data_conta: Optional[str] = typer.Option(None, "--data-conta", help="Data para lançamento na conta."),
        portador: Optional[str] = typer.Option(None, "--portador", help="Código do portador."),
        status: Optional[str] = typer.Option(None, "--status", help="Status da fatura (texto livre)."),
        email_fornecedor: Optional[bool] = typer.Option(
            None, "--email-fornecedor/--sem-email-fornecedor",
            help="Envia (ou não) o recibo ao e-mail do fornecedor; padrão: o parâmetro email_supplier_on_writeoff."),
        lote: bool = typer.Option(False, "--lote", help="Baixa em lote das faturas em aberto dos filtros."),
        faixa: Optional[str] = typer.Option(None, "--faixa", help="Filtro: faixa de faturas, ex.: 10-20."),
        vencimento_de: Optional[str] = typer.Option(None, "--vencimento-de", help="Filtro: vencimento a partir de."),
        vencimento_ate: Optional[str] = typer.Option(None, "--vencimento-ate", help="Filtro: vencimento até."),
        fornecedor: Optional[str] = typer.Option(None, "--fornecedor", help="Filtro: CPF/CNPJ ou código do fornecedor."),
        filtro_portador: List[str] = typer.Option([], "--filtro-portador", help="Filtro: portador (pode repetir)."),
        conta_fluxo: Optional[str] = typer.Option(None, "--conta-fluxo", help="Filtro: conta fluxo de caixa."),
        forma_pagamento: Optional[str] = typer.Option(None, "--forma-pagamento", help="Filtro: forma de pagamento."),
        serie: Optional[str] = typer.Option(None, "--serie", help="Filtro: série."),
        documento: Optional[str] = typer.Option(None, "--documento", help="Filtro: documento (NF)."),
        filtro_nosso_numero: Optional[str] = typer.Option(None, "--filtro-nosso-numero",
                                                          help="Filtro: nosso número/cheque."),
        previa: bool = typer.Option(False, "--previa", help="Só mostra os valores; nada é gravado."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Baixa faturas a pagar: individual total, parcial (--valor-pago menor) ou em lote."""
        from core.cli import runtime
        from core.db import unit_of_work
        from core.errors import QuitaError

        options = dict(locals())
        rt = runtime(check_schema=True)
        try:
            with unit_of_work(rt.engine, readonly=previa) as s:
                rows = _run_writeoff(s, rt, options)
        except QuitaError as exc:
            refuse(exc)
        if as_json:
            typer.echo(json.dumps(rows, ensure_ascii=False))
        else:
            _echo_writeoffs(rows, previa)

    @pagar.command("estornar")
    def estornar(
        fatura: Optional[int] = typer.Option(None, "--fatura", help="Número (código) da fatura a estornar."),
        motivo: Optional[str] = typer.Option(None, "--motivo", help="Motivo do estorno."),
        data: Optional[str] = typer.Option(None, "--data", help="Data do estorno para a contabilidade (padrão: hoje)."),
        status: Optional[str] = typer.Option(None, "--status", help="Mudar status para (texto livre)."),
        empresa: Optional[str] = typer.Option(None, "--empresa", help="Código ou id da empresa."),
        fornecedor: Optional[str] = typer.Option(None, "--fornecedor", help="Pesquisa: CPF/CNPJ ou código do fornecedor."),
        nosso_numero: Optional[str] = typer.Option(None, "--nosso-numero", help="Pesquisa: nosso número/cheque."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Estorna a baixa de uma fatura a pagar; sem --fatura, pesquisa as faturas baixadas."""
        from core.cli import echo_rows, runtime
        from core.db import unit_of_work
        from core.errors import QuitaError
        from core.money import format_brl
        from plugins.payables.launch import find_supplier
        from plugins.payables.reversal import reverse_writeoff
        from plugins.payables.writeoff import installment_by_code
        from plugins.payables.writeoff_search import installment_row, search_reversible

        rt = runtime(check_schema=True)
        try:
            with unit_of_work(rt.engine, readonly=fatura is None) as s:
                company_id = company_id_of(s, empresa)
                if fatura is None:
                    supplier_id = find_supplier(s, fornecedor).id if fornecedor else None
                    rows = [installment_row(s, p) for p in search_reversible(
                        s, company_id=company_id, supplier_id=supplier_id, our_number=nosso_numero)]
                else:
                    wo = reverse_writeoff(s, installment_by_code(s, company_id, fatura), reason=motivo,
                                          on=optional_date(data, "on"), situation=status, runtime=rt)
                    row = writeoff_row(s, wo)
        except QuitaError as exc:
            refuse(exc)
        if fatura is None:
            echo_rows(rows, as_json=as_json, empty="Nenhuma fatura baixada nos filtros informados.",
                      line=lambda r: f"{r['code']:>6}  {r['due_date']}  {(r['supplier'] or '')[:30]:<30}  "
                                     f"{format_brl(Decimal(r['amount'])):>14}  {r['status_label']}")
        elif as_json:
            typer.echo(json.dumps(row, ensure_ascii=False))
        else:
            typer.echo(f"Baixa da fatura {row['code']} estornada; lançamento de estorno {row['reversal_entry_id']}. "
                       "A fatura voltou a ficar em aberto.")
