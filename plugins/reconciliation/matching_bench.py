"""`quita bench matching --lines 50000 --invoices 1000000 [--no-apply] [--database URL] [--json]`.

A fresh database (SQLite temporary file by default) gets, untimed and in bulk (Core inserts):
`--invoices` open invoices over a year (due dates spread evenly, totals R$ 50,00–R$ 500,00 from a
fixed pseudo-random sequence, so some (date, total) keys repeat, as in real life) and `--lines`
credit statement lines: 4 of 5 copy the (due date, total) of a distinct invoice, the rest have values
no invoice has. Then it times:

1. `matching.find_automatic` over the account's free lines — the indexed lookup (goal < 20 s for
   50,000 lines × 1,000,000 invoices on SQLite), with the number of matches / ambiguous / unmatched;
2. with `--rules N`: N user rules (`rules.py`) — N−1 that never match (memo contains "NAO CASA k",
   placed first so every line is tested against all of them) and a last "classificar" rule for credits
   of R$ 10,00–R$ 11,00 with "PIX" in the memo — and `rules.first_matching_rule` over ALL the lines in
   memory (pure evaluation, no database);
3. unless `--no-apply`, `matching.reconcile_automatic` (the same lookup, then settling the matched
   open invoices through `settlement_batch.settle_invoices`, writing the reconciliations and, with
   rules, applying them to the lines left — posting one ledger entry per classified line), in one
   unit of work.

Wall and CPU seconds are printed (figures only, never timed assertions in tests).
"""

from __future__ import annotations

import json
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import typer

START = date(2026, 1, 1)
ACCOUNTS = {"receivable_account_code": "1.1.3.01", "revenue_account_code": "3.1.2.01",
            "discount_account_code": "3.2.1.01", "surcharge_account_code": "3.1.3.01"}
CHART = (("1.1.1.01", "Banco Itaú", "bank"), ("1.1.3.01", "Clientes", "receivable"),
         ("3.1.2.01", "Juros recebidos", "revenue"), ("3.2.1.01", "Descontos", "discount"),
         ("3.1.3.01", "Acréscimos", "surcharge"))
CHUNK = 20_000


def invoice_key(i: int) -> tuple[date, int]:
    """(due date, total in centavos) of the i-th generated invoice."""
    return START + timedelta(days=i % 365), (i * 7919) % 45_001 + 5_000


def _runtime(url: str):
    from core import migrate
    from core.config import parse_config
    from core.runtime import bootstrap

    cfg = parse_config({"database": {"url": url},
                        "plugins": {"enabled": ["receivables", "reconciliation"], "receivables": ACCOUNTS}})
    rt = bootstrap(cfg, make_current=False)
    migrate.upgrade(rt)
    return rt


def _seed(rt, invoices: int, lines: int) -> int:
    """Company, chart, customers, invoices and statement lines in bulk; the bank account id."""
    from sqlalchemy import insert

    from core.db import unit_of_work
    from core.model import utcnow
    from core.models.company import Company
    from core.parties.models import Party
    from plugins.receivables.models import Invoice
    from core.ledger.models import Account
    from plugins.reconciliation.models import StatementFile, StatementImport, StatementLine

    with unit_of_work(rt.engine) as s:
        company = Company(code="BENCH", name="Bench", cnpj="11222333000181", uf="PE")
        s.add(company)
        s.flush()
        accounts = {code: Account(company_id=company.id, code=code, name=name, kind=kind, is_synthetic=False,
                                  active=True) for code, name, kind in CHART}
        s.add_all(accounts.values())
        s.flush()
        s.execute(insert(Party), [{"code": k + 1, "name": f"Cliente {k + 1}", "person_type": "PRE",
                                   "classification": "cliente", "active": True} for k in range(1000)])
        party_ids = [row[0] for row in s.execute(Party.__table__.select().with_only_columns(Party.id))]
        cid, bank_id, now = company.id, accounts["1.1.1.01"].id, utcnow()
    table = Invoice.__table__
    for first in range(0, invoices, CHUNK):
        rows = []
        for i in range(first, min(first + CHUNK, invoices)):
            due, cents = invoice_key(i)
            rows.append({"party_id": party_ids[i % len(party_ids)], "company_id": cid, "number": i + 1,
                         "issue_date": due - timedelta(days=10), "due_date": due,
                         "total": Decimal(cents).scaleb(-2), "status": "aberta", "remessa_transmitted": False,
                         "remessa_write_off_pending": False, "payment_form": "crediario", "created_at": now})
        with rt.engine.begin() as conn:
            conn.execute(insert(table), rows)
    with unit_of_work(rt.engine) as s:
        f = StatementFile(filename="bench.ofx", sha256="0" * 64, size=0, content=b"", encoding="ascii")
        s.add(f)
        s.flush()
        imp = StatementImport(file_id=f.id, bank_account_id=bank_id, ofx_bank_id="341", ofx_branch_id="1",
                              ofx_account_id="1", ofx_account_type="CHECKING")
        s.add(imp)
        s.flush()
        imp_id = imp.id
    step = max(invoices // max(lines, 1), 1)
    rows = []
    for k in range(lines):
        if k % 5 != 4:
            day, cents = invoice_key((k * step) % invoices)
        else:                                    # a value no invoice has (below R$ 50,00)
            day, cents = START + timedelta(days=k % 365), 1_000 + k % 3_000
        rows.append({"bank_account_id": bank_id, "import_id": imp_id, "file_line": k + 1, "fitid": f"B{k}",
                     "posted_on": day, "amount": Decimal(cents).scaleb(-2), "trntype": "CREDIT",
                     "memo": f"PIX RECEBIDO {k}", "payee": "", "checknum": "", "refnum": "",
                     "fingerprint": f"{k:040d}", "occurrence": 1, "deleted": False, "auto_disabled": False})
    with rt.engine.begin() as conn:
        for first in range(0, len(rows), CHUNK):
            conn.execute(insert(StatementLine.__table__), rows[first:first + CHUNK])
    return bank_id


def _timed(fn):
    t0, c0 = time.perf_counter(), time.process_time()
    result = fn()
    return result, round(time.perf_counter() - t0, 3), round(time.process_time() - c0, 3)


def _add_rules(rt, bank_id: int, n: int) -> None:
    from core.db import unit_of_work
    from core.ledger.models import Account
    from plugins.reconciliation.rules import RuleFields, create_rule

    with unit_of_work(rt.engine) as s:
        bank = s.get(Account, bank_id)
        revenue = next(a for a in s.query(Account).filter(Account.company_id == bank.company_id)
                       if a.code == "3.1.2.01")
        for k in range(n - 1):
            create_rule(s, bank.company_id, RuleFields(name=f"Nunca {k}", action="classificar", direction="ambos",
                                                       text_mode="contem", text=f"NAO CASA {k}",
                                                       ledger_account_id=revenue.id, description="x"))
        create_rule(s, bank.company_id, RuleFields(name="PIX pequenos", action="classificar", direction="credito",
                                                   amount_min="10,00", amount_max="11,00", text_mode="contem",
                                                   text="pix", ledger_account_id=revenue.id,
                                                   description="Receita de PIX avulso"))


def _evaluate_rules(rt, bank_id: int) -> tuple[int, float, float]:
    """`first_matching_rule` over every line of the account: (lines caught, wall s, CPU s of the pure loop;
    loading the lines and compiling the rules is outside it)."""
    from core.db import unit_of_work
    from core.ledger.models import Account
    from plugins.reconciliation.matching import free_lines
    from plugins.reconciliation.rules import compile_rules, first_matching_rule, load_rule_lines

    with unit_of_work(rt.engine, readonly=True) as s:
        bank = s.get(Account, bank_id)
        rules = compile_rules(s, bank.company_id, bank.id)
        lines = load_rule_lines(s, [ln.id for ln in free_lines(s, bank_id)])
    caught, wall, cpu = _timed(lambda: sum(1 for line in lines if first_matching_rule(line, rules) is not None))
    return caught, wall, cpu


def bench_matching(lines: int, invoices: int, *, url: str | None = None, apply: bool = True,
                   rules: int = 0) -> dict:
    from core.db import unit_of_work
    from core.ledger.models import Account
    from plugins.reconciliation.matching import find_automatic, free_lines, reconcile_automatic

    with tempfile.TemporaryDirectory() as tmp:
        url = url or f"sqlite:///{Path(tmp) / 'bench-matching.db'}"
        rt = _runtime(url)
        try:
            bank_id, seed_s, _cpu = _timed(lambda: _seed(rt, invoices, lines))
            result = {"lines": lines, "invoices": invoices, "database": url.split(":", 1)[0], "seed_s": seed_s}

            def look():
                with unit_of_work(rt.engine, readonly=True) as s:
                    bank = s.get(Account, bank_id)
                    return find_automatic(s, bank, free_lines(s, bank_id, credits_only=True, auto=True))

            plan, wall, cpu = _timed(look)
            result.update(matching_s=wall, matching_cpu_s=cpu, matches=len(plan.matches),
                          ambiguous=len(plan.ambiguous), unmatched=plan.unmatched)
            if rules:
                _add_rules(rt, bank_id, rules)
                (caught, pure, pure_cpu), wall, cpu = _timed(lambda: _evaluate_rules(rt, bank_id))
                result.update(rules=rules, rules_load_eval_s=wall, rules_eval_s=pure, rules_eval_cpu_s=pure_cpu,
                              rules_caught=caught)
            if apply:
                def run():
                    with unit_of_work(rt.engine) as s:
                        return reconcile_automatic(s, s.get(Account, bank_id), runtime=rt, suggest=False).as_dict()

                report, wall, cpu = _timed(run)
                result.update(apply_s=wall, apply_cpu_s=cpu, reconciled=report["reconciled"],
                              refused=len(report["refused"]))
                if rules:
                    result["rules_reconciled"] = report["rules"].get("reconciled", 0)
        finally:
            rt.dispose()
    return result


def register(bench: typer.Typer) -> None:
    @bench.command("matching")
    def bench_matching_cmd(
        lines: int = typer.Option(50_000, "--lines", min=1, help="Lançamentos a crédito no extrato."),
        invoices: int = typer.Option(1_000_000, "--invoices", min=1, help="Faturas em aberto."),
        no_apply: bool = typer.Option(False, "--no-apply", help="Só a busca (não baixa nem concilia)."),
        rules: int = typer.Option(0, "--rules", min=0, help="Regras do usuário cadastradas (a última classifica os "
                                                            "PIX de R$ 10,00 a R$ 11,00)."),
        database: str = typer.Option(None, "--database", help="URL de um banco vazio (padrão: SQLite temporário)."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Mede a conciliação automática: busca indexada de candidatos e a aplicação (baixa e conciliação)."""
        r = bench_matching(lines, invoices, url=database, apply=not no_apply, rules=rules)
        if as_json:
            typer.echo(json.dumps(r))
            return
        typer.echo(f"{r['lines']} lançamentos × {r['invoices']} faturas em aberto ({r['database']}; carga {r['seed_s']} s)")
        typer.echo(f"Busca (find_automatic): {r['matching_s']} s (CPU {r['matching_cpu_s']} s) — candidatos únicos: "
                   f"{r['matches']}; ambíguos: {r['ambiguous']}; sem candidato: {r['unmatched']}")
        if "rules_eval_s" in r:
            typer.echo(f"Regras ({r['rules']}; first_matching_rule em todos os {r['lines']} lançamentos, em memória): "
                       f"{r['rules_eval_s']} s (CPU {r['rules_eval_cpu_s']} s; com a leitura das linhas "
                       f"{r['rules_load_eval_s']} s) — casados: {r['rules_caught']}")
        if "apply_s" in r:
            typer.echo(f"Conciliação automática completa (busca + baixa + conciliação): {r['apply_s']} s "
                       f"(CPU {r['apply_cpu_s']} s) — conciliados: {r['reconciled']}; recusados: {r['refused']}"
                       + (f"; pelas regras: {r['rules_reconciled']}" if "rules_reconciled" in r else ""))
