"""Regenerate the kernel's initial migration from the current models (development only).

Until the first release the kernel keeps a single initial revision, `0001_kernel_initial.py`,
regenerated from `core.models` whenever a kernel table changes. After a release, write new
revisions with `quita db revision --component core -m "…"` instead.

Usage: .venv/bin/python tools/regen_kernel_migration.py
"""

from __future__ import annotations

import fcntl
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VERSIONS = ROOT / "core" / "migrations" / "versions"
TARGET = VERSIONS / "0001_kernel_initial.py"
PG_PRELUDE = (
    "    if op.get_bind().dialect.name == \"postgresql\":\n"
    "        op.execute(\"CREATE EXTENSION IF NOT EXISTS pg_trgm\")\n"
)


def main() -> None:
    from alembic import command

    from core import migrate
    from core.config import parse_config
    from core.runtime import bootstrap

    lock = open(ROOT / "tools" / ".regen.lock", "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        for f in VERSIONS.glob("*.py"):
            f.unlink()
        with tempfile.TemporaryDirectory() as tmp:
            cfg = parse_config({"database": {"url": f"sqlite:///{tmp}/regen.db"}, "plugins": {"enabled": []}})
            rt = bootstrap(cfg, make_current=False)
            src = rt.registry.migrations["core"]
            with rt.engine.begin() as conn:
                command.revision(migrate.alembic_config(src, conn), message="kernel initial", autogenerate=True,
                                 rev_id="0001_kernel", head="base", branch_label="core", version_path=str(VERSIONS))
            rt.dispose()
        generated = next(VERSIONS.glob("0001_kernel*.py"))
        text = generated.read_text()
        text = re.sub(r"Create Date: .*\n", "", text)
        text = re.sub(r",\n\s*info=\{'owner': '[a-z_]+'\}", "", text)
        text = text.replace("def upgrade() -> None:\n", "def upgrade() -> None:\n" + PG_PRELUDE, 1)
        generated.unlink()
        TARGET.write_text(text)
        print(f"regenerated {TARGET.relative_to(ROOT)}")
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)


if __name__ == "__main__":
    main()
