"""Links of the statement's accounts ("Vínculos de contas do extrato"): list, change, remove.

A link (`AccountLink`) says which ledger bank account receives the lines of an OFX account (bank /
agency / account of the file, normalised by `statement_import.link_key`). The services work in the
caller's unit of work (no commit):

- `link_rows(session, bank_account_ids=None)` — the links (of those bank accounts) with the lines
  imported through each (every stored line of an import of that file account, deleted ones too:
  they come back with the file);
- `change_link(session, link_id, bank_account_id, user=)` — the next files of that account go to
  another bank account (active, analytic, kind Banco). Lines already imported stay in the bank account
  they were imported into (they may be reconciled there); the answer says how many;
- `remove_link(session, link_id)` — only while no line was imported through it (then the next file
  asks the account again); otherwise refused naming how many lines.

The CLI is `quita ofx vinculos list | alterar | remover` (`register_cli`), the page the section
"Vínculos de contas do extrato" of the bank accounts list (`bank_accounts_web.py`).
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import typer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import ValidationError
from core.ledger.models import Account
from plugins.reconciliation.models import AccountLink, StatementImport, StatementLine
from plugins.reconciliation.statement_import import _bank_account, link_key


def describe_link(link: AccountLink) -> str:
    parts = [f"banco {link.bank_id}"]
    if link.branch_id:
        parts.append(f"agência {link.branch_id}")
    parts.append(f"conta {link.account_id}")
    return " ".join(parts)


def _label(account: Account) -> str:
    return f"{account.code} - {account.name}"


def _imports_through(session: Session, link: AccountLink) -> list[int]:
    """Import rows of that file account (any bank account): their raw OFX ids normalised like the link."""
    key = (link.bank_id, link.branch_id, link.account_id)
    rows = session.execute(select(StatementImport.id, StatementImport.ofx_bank_id, StatementImport.ofx_branch_id,
                                  StatementImport.ofx_account_id)
                           .where(StatementImport.ofx_account_id.is_not(None))).all()
    return [r.id for r in rows
            if link_key(SimpleNamespace(bank_id=r.ofx_bank_id or "", branch_id=r.ofx_branch_id or "",
                                        account_id=r.ofx_account_id or "")) == key]


def lines_through(session: Session, link: AccountLink) -> int:
    ids = _imports_through(session, link)
    if not ids:
        return 0
    return session.scalar(select(func.count()).select_from(StatementLine).where(StatementLine.import_id.in_(ids)))


def link_rows(session: Session, bank_account_ids=None) -> list[dict]:
    stmt = select(AccountLink).order_by(AccountLink.bank_id, AccountLink.branch_id, AccountLink.account_id)
    if bank_account_ids is not None:
        stmt = stmt.where(AccountLink.bank_account_id.in_(list(bank_account_ids) or [0]))
    out = []
    for link in session.scalars(stmt):
        acc = session.get(Account, link.bank_account_id)
        out.append({"id": link.id, "ofx_account": describe_link(link), "bank": link.bank_id, "branch": link.branch_id,
                    "account": link.account_id, "bank_account_id": acc.id, "bank_account": _label(acc),
                    "lines": lines_through(session, link), "created_at": link.created_at.isoformat()})
    return out


def _link(session: Session, link_id: int) -> AccountLink:
    link = session.get(AccountLink, int(link_id))
    if link is None:
        raise ValidationError(f"Vínculo {link_id} não encontrado.", field="link_id")
    return link


def change_link(session: Session, link_id: int, bank_account_id: int, *, user=None) -> dict:
    link = _link(session, link_id)
    old = session.get(Account, link.bank_account_id)
    new = _bank_account(session, bank_account_id)
    if new.id == old.id:
        raise ValidationError(f"A conta do extrato {describe_link(link)} já está vinculada à conta {_label(old)}.",
                              field="bank_account_id")
    kept = lines_through(session, link)
    link.bank_account_id, link.user_id = new.id, getattr(user, "id", link.user_id)
    session.flush()
    message = f"Vínculo alterado: {describe_link(link)} → {_label(new)}."
    if kept:
        message += (f" Os {kept} lançamento(s) já importado(s) continuam na conta em que foram importados; "
                    "os próximos arquivos vão para a nova conta.")
    return {"link_id": link.id, "ofx_account": describe_link(link), "from": _label(old), "to": _label(new),
            "lines_kept": kept, "message": message}


def remove_link(session: Session, link_id: int) -> dict:
    link = _link(session, link_id)
    n = lines_through(session, link)
    acc = session.get(Account, link.bank_account_id)
    if n:
        raise ValidationError(f"O vínculo da conta do extrato {describe_link(link)} com a conta {_label(acc)} não "
                              f"pode ser removido: {n} lançamento(s) do extrato foram importados por ele. "
                              "Altere o vínculo para outra conta bancária, se for o caso.", field="link_id")
    out = {"link_id": link.id, "ofx_account": describe_link(link), "bank_account": _label(acc),
           "message": f"Vínculo removido: {describe_link(link)} (era {_label(acc)}). O próximo arquivo dessa conta "
                      "pergunta a conta bancária de novo."}
    session.delete(link)
    session.flush()
    return out


# --- CLI: quita ofx vinculos ------------------------------------------------------------------------

def register_cli(ofx: typer.Typer) -> None:
    group = typer.Typer(help="Vínculos das contas do extrato (banco/agência/conta do OFX) com as contas bancárias.",
                        no_args_is_help=True)

    from plugins.reconciliation.cli_support import run_session as run

    @group.command("list")
    def vinculos_list(as_json: bool = typer.Option(False, "--json", help="Saída em JSON.")):
        """Lista os vínculos com os lançamentos importados por cada um."""
        rows = run(link_rows)
        if as_json:
            typer.echo(json.dumps(rows, ensure_ascii=False))
            return
        if not rows:
            typer.echo("Nenhuma conta do extrato vinculada.")
        for r in rows:
            typer.echo(f"{r['id']}: {r['ofx_account']} → {r['bank_account']} ({r['lines']} lançamento(s) importado(s))")

    @group.command("alterar")
    def vinculos_alterar(
        link_id: int = typer.Option(..., "--id", help="Vínculo (quita ofx vinculos list)."),
        conta: str = typer.Option(..., "--conta", help="Código da nova conta bancária no plano de contas."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Troca a conta bancária de uma conta do extrato (vale para os próximos arquivos)."""
        from plugins.reconciliation.statement_import import bank_account_by_code

        def work(s):
            link = _link(s, link_id)
            company_id = s.get(Account, link.bank_account_id).company_id
            return change_link(s, link_id, bank_account_by_code(s, conta, company_id).id)

        r = run(work)
        typer.echo(json.dumps(r, ensure_ascii=False) if as_json else r["message"])

    @group.command("remover")
    def vinculos_remover(
        link_id: int = typer.Option(..., "--id", help="Vínculo (quita ofx vinculos list)."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Remove um vínculo pelo qual nenhum lançamento foi importado."""
        r = run(lambda s: remove_link(s, link_id))
        typer.echo(json.dumps(r, ensure_ascii=False) if as_json else r["message"])

    ofx.add_typer(group, name="vinculos")
