"""Command line of Alterar/Excluir Pagamento and the documents of contas a pagar:

    quita pagar alterar --fatura 1 [--vencimento 20/12/2026] [--observacao …] [--numero …] [--valor 400,00] \\
        [--portador BB] [--comprador DOC] [--documento …] [--serie …] [--forma-pagamento …] \\
        [--observacao-padrao …] [--pedido …] [--categoria … [--criar-categoria]] [--conta-fluxo 1.1.1.02] \\
        [--historico 420 [--conta-debito 4.1.05] [--conta-credito 2.1.01]] [--data 01/12/2026] \\
        [--anotacao "Conferido"] [--json]
    quita pagar excluir --fatura 1 --motivo "Lançada em duplicidade" [--codigo-motivo DUP] [--data …] [--json]
    quita pagar anotar --fatura 1 [--texto "Conferido com o pedido"] [--json]   # sem --texto: lista
    quita pagar recibo --fatura 1 --saida recibo.pdf          # recibo da baixa ativa da fatura
    quita pagar autorizacao --fatura 1 --saida autorizacao.pdf  # autorização de pagamento do lançamento
    quita pagar cheque --fatura 1 --saida cheque.pdf [--nao-nominal]  # cheque da baixa (layout da conta)
    quita pagar bordero [--fatura 1 --fatura 2 | --data-baixa 05/12/2026] [--saida bordero.pdf] [--xlsx bordero.xlsx] [--json]

Registered by plugin.py into the `quita pagar` group of cli.py. Refusals exit with code 2 and the
field (`Erro: … (campo: reason)`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from plugins.payables.cli_support import (buyer_id, carrier_id, company_id as company_id_of, id_by_code, optional_date,
                                          run as _in_unit_of_work)  # work(session, runtime); refusal ⇒ code 2

# option name ⇒ AlterRequest field (values passed as typed; dates and codes converted in alter_request_from_options)
_TEXT_OPTIONS = {"observacao": "note", "numero": "number", "valor": "amount", "documento": "document",
                 "serie": "series", "forma_pagamento": "payment_form", "observacao_padrao": "standard_note",
                 "pedido": "order_number", "categoria": "category"}
_LABELS = {"due_date": "vencimento", "note": "observação", "number": "número", "amount": "valor",
           "carrier_id": "portador", "buyer_id": "comprador", "document": "documento", "series": "série",
           "payment_form": "forma de pagamento", "standard_note": "observação padrão", "order_number": "nº do pedido",
           "category_id": "categoria", "cash_flow_account_id": "conta de fluxo", "template_id": "histórico"}


def _installment(s, empresa: Optional[str], code: int):
    from plugins.payables.writeoff import installment_by_code

    return installment_by_code(s, company_id_of(s, empresa), code)


def alter_request_from_options(s, o: dict, company_id: int):
    """An `AlterRequest` from the alteration's options by their pt-BR names (`quita pagar alterar`
    and the "Alterar fatura a pagar" dialog): None/empty = no change; codes resolved to ids,
    refusals name the field."""
    from core.ledger.models import AccountingTemplate
    from plugins.payables.alter import AlterRequest
    from plugins.payables.apportionment import account_by_code

    req = AlterRequest(create_category=o["criar_categoria"])
    for option, name in _TEXT_OPTIONS.items():
        if o[option] is not None:
            setattr(req, name, o[option])
    if o["vencimento"]:
        req.due_date = optional_date(o["vencimento"], "due_date")
    if o["portador"]:
        req.carrier_id = carrier_id(s, o["portador"], "carrier_id")
    if o["comprador"]:
        req.buyer_id = buyer_id(s, o["comprador"])
    if o["historico"]:
        req.template_id = id_by_code(s, AccountingTemplate, company_id, o["historico"], "template_id", "Histórico")
    for option, name, side in (("conta_fluxo", "cash_flow_account_id", "de fluxo de caixa"),
                               ("conta_debito", "debit_account_id", "débito"),
                               ("conta_credito", "credit_account_id", "crédito")):
        if o[option]:
            setattr(req, name, account_by_code(s, company_id, o[option], field=name, side=side).id)
    return req


def _write(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    typer.echo(f"Arquivo gravado: {path} ({len(data)} bytes).", err=True)


def _print_document(empresa: Optional[str], fatura: int, saida: Path, render) -> None:
    """`render(session, installment) -> bytes` written to `saida`."""
    _write(saida, _in_unit_of_work(lambda s, rt: render(s, _installment(s, empresa, fatura)), readonly=True))


def _dump(row) -> None:
    typer.echo(json.dumps(row, ensure_ascii=False))


def register(cli: typer.Typer) -> None:
    """Add the commands to the `quita pagar` group (created by plugins.payables.cli)."""
    pagar = next(g.typer_instance for g in cli.registered_groups if g.name == "pagar")

    @pagar.command("alterar")
    def alterar(
        fatura: int = typer.Option(..., "--fatura", help="Número (código) da fatura a pagar."),
        empresa: Optional[str] = typer.Option(None, "--empresa", help="Código ou id da empresa."),
        vencimento: Optional[str] = typer.Option(None, "--vencimento", help="Novo vencimento (dd/mm/aaaa)."),
        observacao: Optional[str] = typer.Option(None, "--observacao", help="Observação da fatura."),
        numero: Optional[str] = typer.Option(None, "--numero", help="Número da fatura (até 20 caracteres)."),
        valor: Optional[str] = typer.Option(None, "--valor", help="Novo valor da fatura (cancela o desmembramento)."),
        portador: Optional[str] = typer.Option(None, "--portador", help="Código do portador."),
        comprador: Optional[str] = typer.Option(None, "--comprador", help="CPF/CNPJ ou código do comprador."),
        documento: Optional[str] = typer.Option(None, "--documento", help="Documento (nota fiscal de entrada)."),
        serie: Optional[str] = typer.Option(None, "--serie", help="Série."),
        forma_pagamento: Optional[str] = typer.Option(None, "--forma-pagamento", help="Forma de pagamento."),
        observacao_padrao: Optional[str] = typer.Option(None, "--observacao-padrao", help="Observação padrão."),
        pedido: Optional[str] = typer.Option(None, "--pedido", help="Nº do pedido (adiantamento)."),
        categoria: Optional[str] = typer.Option(None, "--categoria", help="Categoria financeira."),
        criar_categoria: bool = typer.Option(False, "--criar-categoria", help="Cadastra a categoria se não existir."),
        conta_fluxo: Optional[str] = typer.Option(None, "--conta-fluxo", help="Conta de fluxo de caixa (código)."),
        historico: Optional[str] = typer.Option(None, "--historico", help="Novo histórico (código)."),
        conta_debito: Optional[str] = typer.Option(None, "--conta-debito", help="Conta débito (só com --historico)."),
        conta_credito: Optional[str] = typer.Option(None, "--conta-credito", help="Conta crédito (só com --historico)."),
        data: Optional[str] = typer.Option(None, "--data", help="Data do novo lançamento quando a data de lançamento "
                                                                "está protegida (padrão: hoje)."),
        anotacao: Optional[str] = typer.Option(None, "--anotacao", help="Anotação (até 50 caracteres alfanuméricos)."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Altera uma fatura a pagar em aberto (Alterar Pagamento - Contas a Pagar)."""
        from plugins.payables.alter import alter_invoice
        from plugins.payables.annotations import add_annotation

        options = dict(locals())

        def work(s, rt):
            inst = _installment(s, empresa, fatura)
            result = alter_invoice(s, inst, alter_request_from_options(s, options, inst.company_id), runtime=rt,
                                   on=optional_date(data, "on"))
            if anotacao:
                add_annotation(s, inst, anotacao)
            return {"code": inst.code, "invoice": result.invoice.number, "changed": result.changed,
                    "relaunched": result.relaunched, "reversal_entry_id": result.reversal_entry_id,
                    "entry_id": result.invoice.entry_id}

        row = _in_unit_of_work(work)
        if as_json:
            return _dump(row)
        fields = ", ".join(_LABELS.get(f, f) for f in row["changed"])
        typer.echo(f"Fatura {row['code']} alterada ({fields}).")
        if row["relaunched"]:
            typer.echo(f"Lançamento refeito: estorno {row['reversal_entry_id']}, novo lançamento contábil "
                       f"{row['entry_id']}.")
        else:
            typer.echo("Alterada sem novo lançamento (data de lançamento protegida; só vencimento, observação e "
                       "comprador).")

    @pagar.command("excluir")
    def excluir(
        fatura: int = typer.Option(..., "--fatura", help="Número (código) de uma fatura do lançamento."),
        motivo: Optional[str] = typer.Option(None, "--motivo", help="Motivo da exclusão."),
        codigo_motivo: Optional[str] = typer.Option(None, "--codigo-motivo",
                                                    help="Código do motivo cadastrado (Exclusão de fatura a pagar)."),
        data: Optional[str] = typer.Option(None, "--data", help="Data do estorno quando a data de lançamento está "
                                                                "protegida (padrão: hoje)."),
        empresa: Optional[str] = typer.Option(None, "--empresa", help="Código ou id da empresa."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Exclui o lançamento de uma fatura a pagar em aberto (todas as parcelas) e estorna o lançamento contábil."""
        from plugins.payables.delete import delete_invoice

        def work(s, rt):
            invoice = delete_invoice(s, _installment(s, empresa, fatura), reason=motivo, reason_code=codigo_motivo,
                                     runtime=rt, on=optional_date(data, "on"))
            return {"invoice": invoice.number, "codes": [p.code for p in invoice.parcels],
                    "reason": invoice.deletion_reason, "reversal_entry_id": invoice.deletion_entry_id}

        row = _in_unit_of_work(work)
        if as_json:
            return _dump(row)
        typer.echo(f"Fatura a pagar nº {row['invoice']} excluída (faturas {', '.join(map(str, row['codes']))}); "
                   f"lançamento de estorno {row['reversal_entry_id']}.")

    @pagar.command("anotar")
    def anotar(
        fatura: int = typer.Option(..., "--fatura", help="Número (código) da fatura a pagar."),
        texto: Optional[str] = typer.Option(None, "--texto", help="Anotação (até 50 caracteres, sem especiais); "
                                                                  "sem ela, lista as anotações."),
        empresa: Optional[str] = typer.Option(None, "--empresa", help="Código ou id da empresa."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Inclui uma anotação na fatura a pagar (não pode ser alterada nem excluída) ou lista as anotações."""
        from core.cli import echo_rows
        from core.pdf import format_date
        from plugins.payables.annotations import add_annotation, annotations_of

        def work(s, rt):
            inst = _installment(s, empresa, fatura)
            if texto is not None:
                add_annotation(s, inst, texto)
            return [{"text": a.text, "user": a.username, "at": a.created_at.isoformat(),
                     "when": f"{format_date(a.created_at)} {a.created_at:%H:%M}"}
                    for a in annotations_of(s, inst.invoice_id)]

        rows = _in_unit_of_work(work, readonly=texto is None)
        echo_rows(rows, as_json=as_json, empty="Nenhuma anotação.",
                  line=lambda r: f"{r['when']} UTC  {(r['user'] or 'sistema'):<12}  {r['text']}")

    @pagar.command("recibo")
    def recibo(
        fatura: int = typer.Option(..., "--fatura", help="Número (código) da fatura baixada."),
        saida: Path = typer.Option(..., "--saida", help="Arquivo PDF a gravar."),
        empresa: Optional[str] = typer.Option(None, "--empresa", help="Código ou id da empresa."),
    ):
        """Imprime (PDF) o recibo da baixa de uma fatura a pagar."""
        from plugins.payables.printing import installment_receipt_pdf

        _print_document(empresa, fatura, saida, installment_receipt_pdf)

    @pagar.command("cheque")
    def cheque(
        fatura: int = typer.Option(..., "--fatura", help="Número (código) da fatura baixada com cheque."),
        saida: Path = typer.Option(..., "--saida", help="Arquivo PDF a gravar."),
        nao_nominal: bool = typer.Option(False, "--nao-nominal", help="Cheque não nominal (sem o fornecedor)."),
        empresa: Optional[str] = typer.Option(None, "--empresa", help="Código ou id da empresa."),
    ):
        """Imprime (PDF) o cheque da baixa da fatura no layout da conta crédito."""
        from plugins.payables.cheque_print import installment_cheque_pdf

        _write(saida, _in_unit_of_work(lambda s, rt: installment_cheque_pdf(
            s, _installment(s, empresa, fatura), runtime=rt, nominal=not nao_nominal), readonly=True))

    @pagar.command("autorizacao")
    def autorizacao(
        fatura: int = typer.Option(..., "--fatura", help="Número (código) de uma fatura do lançamento."),
        saida: Path = typer.Option(..., "--saida", help="Arquivo PDF a gravar."),
        empresa: Optional[str] = typer.Option(None, "--empresa", help="Código ou id da empresa."),
    ):
        """Imprime (PDF) a autorização de pagamento do lançamento da fatura."""
        from plugins.payables.printing import payment_authorisation_pdf

        _print_document(empresa, fatura, saida, lambda s, inst: payment_authorisation_pdf(s, inst.invoice_id))

    @pagar.command("bordero")
    def bordero_cmd(
        fatura: List[int] = typer.Option([], "--fatura", help="Número (código) da fatura; repita para várias."),
        data_baixa: Optional[str] = typer.Option(None, "--data-baixa", help="Sem --fatura: as baixas desta data."),
        saida: Optional[Path] = typer.Option(None, "--saida", help="Grava o borderô em PDF."),
        xlsx: Optional[Path] = typer.Option(None, "--xlsx", help="Grava o borderô em Excel (xlsx)."),
        empresa: Optional[str] = typer.Option(None, "--empresa", help="Código ou id da empresa."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Borderô de pagamento: faturas escolhidas (ou baixadas numa data) com os totais; PDF e/ou xlsx."""
        from core.money import format_brl
        from plugins.payables.bordero import bordero, bordero_xlsx
        from plugins.payables.printing import bordero_pdf

        def work(s, rt):
            b = bordero(s, company_id=company_id_of(s, empresa), codes=fatura, paid_on=optional_date(data_baixa, "paid_on"))
            return b, (bordero_pdf(s, b) if saida else None)

        b, pdf = _in_unit_of_work(work, readonly=True)
        if as_json:
            _dump({"rows": [{"code": r.code, "supplier": r.supplier, "due_date": r.due_date.isoformat(),
                             "amount": str(r.amount), "to_pay": str(r.to_pay), "paid": r.paid is not None,
                             "paid_on": r.paid_on.isoformat() if r.paid_on else None} for r in b.rows],
                   "totals": {k: str(v) for k, v in b.totals.items()}})
        else:
            for r in b.rows:
                when = f"baixa {r.paid_on:%d/%m/%Y}" if r.paid_on else "a pagar"
                typer.echo(f"{r.code:>6}  {r.due_date:%d/%m/%Y}  {r.supplier[:30]:<30}  {format_brl(r.to_pay):>14}  {when}")
            typer.echo(f"Total: {len(b.rows)} fatura(s), {format_brl(b.totals['to_pay'])}.")
        if pdf is not None:
            _write(saida, pdf)
        if xlsx:
            _write(xlsx, bordero_xlsx(b))

