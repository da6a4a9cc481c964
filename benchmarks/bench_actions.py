"""Benchmark: a bulk action (preview + run) over many records, with a guard plugin refusing some.

Measures the whole path of `core.actions`: permission, parameters, loading records, blockers
from every plugin, the change itself and one audit entry per processed record — in one
transaction. Prints figures; asserts nothing about time.

Usage:
    .venv/bin/python benchmarks/bench_actions.py postgresql+psycopg://postgres@127.0.0.1:5432/quita_ha
    .venv/bin/python benchmarks/bench_actions.py sqlite:////tmp/bench-actions.db --records 5000
The database is migrated first; the benchmark's companies and audit rows are removed at the end.
"""

from __future__ import annotations

import argparse
import sys
import time
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, select  # noqa: E402

from core import migrate  # noqa: E402
from core.actions import Action, Blocker, preview_action, run_action  # noqa: E402
from core.config import parse_config  # noqa: E402
from core.db import unit_of_work  # noqa: E402
from core.models.audit import AuditEntry  # noqa: E402
from core.models.company import Company  # noqa: E402
from core.runtime import bootstrap  # noqa: E402
from hooks import hookimpl  # noqa: E402

NAME = "bench.empresa.renomear"
PREFIX = "BX"


def _plugin() -> types.ModuleType:
    mod = types.ModuleType("bench_acoes")

    def rename(ctx, records, params):
        for c in records:
            c.trade_name = f"{c.name} (renomeada)"

    @hookimpl
    def register_actions(register):
        register(Action(name=NAME, label="Renomear (benchmark)", target=Company, permission=NAME, run=rename))

    @hookimpl
    def action_blockers(action, records, params, ctx):
        return [Blocker(c.id, "bench", f"A empresa {c.code} está bloqueada") for c in records if c.uf == "SP"]

    mod.register_actions = register_actions
    mod.action_blockers = action_blockers
    return mod


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("url")
    ap.add_argument("--records", type=int, default=2000)
    args = ap.parse_args()
    cfg = parse_config({"database": {"url": args.url}, "plugins": {"enabled": ["bench_acoes"]}})
    rt = bootstrap(cfg, extra_plugins={"bench_acoes": _plugin()}, make_current=True)
    migrate.upgrade(rt)
    admin = types.SimpleNamespace(id=None, username="bench", is_admin=True, active=True, roles=[], company_id=None)
    try:
        with unit_of_work(rt.engine) as s:
            s.add_all([Company(code=f"{PREFIX}{i}", name=f"Empresa {i}", cnpj=f"99{i:012d}",
                               uf="SP" if i % 10 == 0 else "PE") for i in range(args.records)])
        with unit_of_work(rt.engine, readonly=True) as s:
            ids = list(s.scalars(select(Company.id).where(Company.code.like(f"{PREFIX}%"))))
        t0 = time.perf_counter()
        preview = preview_action(rt, NAME, ids, {}, admin)
        t1 = time.perf_counter()
        result = run_action(rt, NAME, ids, {}, admin)
        t2 = time.perf_counter()
        print(f"banco: {rt.engine.dialect.name}  registros: {len(ids)}")
        print(f"prévia:   {t1 - t0:7.2f} s  permitidos {len(preview.done)}  recusados {len(preview.refused)}")
        print(f"execução: {t2 - t1:7.2f} s  processados {len(result.done)}  recusados {len(result.refused)}  "
              f"({len(result.done) / (t2 - t1):.0f} registros/s, com auditoria)")
    finally:
        with unit_of_work(rt.engine) as s:
            s.execute(delete(AuditEntry).where(AuditEntry.action == NAME))
            s.execute(delete(Company).where(Company.code.like(f"{PREFIX}%")))
        rt.dispose()


if __name__ == "__main__":
    main()
