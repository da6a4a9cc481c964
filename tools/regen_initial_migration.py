"""Regenerate a component's single initial migration from its models (development only).

Until its first release a component (the kernel "core", or a plugin) keeps ONE initial
revision, `0001_<component>_initial.py` in its registered migrations folder, regenerated from
its models whenever one of its tables changes. After a release, write new revisions with
`quita db revision --component <component> -m "…"` instead.

Usage: .venv/bin/python tools/regen_initial_migration.py core
       .venv/bin/python tools/regen_initial_migration.py receivables
"""

from __future__ import annotations

import fcntl
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The kernel's lineage creates the extension its trigram indexes need (PostgreSQL only).
PRELUDE = {
    "core": ("    if op.get_bind().dialect.name == \"postgresql\":\n"
             "        op.execute(\"CREATE EXTENSION IF NOT EXISTS pg_trgm\")\n"),
}


# Revision names that predate this tool keep their identity (databases record them).
STEMS = {"core": "kernel"}


def _requires(component: str) -> list[str]:
    """The plugins `component` requires (its `REQUIRES`, transitively): enabled with it."""
    import importlib

    out: list[str] = []
    for dep in getattr(importlib.import_module(f"plugins.{component}.plugin"), "REQUIRES", ()):
        for name in [*_requires(dep), dep]:
            if name not in out:
                out.append(name)
    return out


def regenerate(component: str) -> Path:
    from alembic import command

    from core import migrate
    from core.config import parse_config
    from core.runtime import bootstrap

    lock = open(Path(tempfile.gettempdir()) / f"quita-regen-{component}.lock", "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            enabled = [] if component == "core" else [*_requires(component), component]
            rt = bootstrap(parse_config({"database": {"url": f"sqlite:///{tmp}/regen.db"},
                                         "plugins": {"enabled": enabled}}), make_current=False)
            sources = {s.component: s for s in migrate.ordered_sources(rt)}
            src = sources[component]
            versions = src.path
            stem = STEMS.get(component, component)
            rev_id = f"0001_{stem}"
            target = versions / f"0001_{stem}_initial.py"
            for old in versions.glob("0001_*.py"):
                old.unlink()
            with rt.engine.begin() as conn:  # everything this component depends on exists first
                for name, other in sources.items():
                    if name != component and other.path.exists():
                        command.upgrade(migrate.alembic_config(other, conn), "heads")
            with rt.engine.begin() as conn:
                command.revision(migrate.alembic_config(src, conn), message=f"{stem} initial",
                                 autogenerate=True, rev_id=rev_id, head="base", branch_label=component,
                                 version_path=str(versions))
            rt.dispose()
        generated = next(p for p in versions.glob(f"{rev_id}_*.py") if p != target)
        text = generated.read_text()
        generated.unlink()
        text = re.sub(r"Create Date: .*\n", "", text)
        text = re.sub(r",\n\s*info=\{'owner': '[a-z_]+'\}", "", text)
        if component in PRELUDE:
            text = text.replace("def upgrade() -> None:\n", "def upgrade() -> None:\n" + PRELUDE[component], 1)
        target.write_text(text)
        return target
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    print(f"regenerated {regenerate(sys.argv[1]).relative_to(ROOT)}")
