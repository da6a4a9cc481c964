"""The kernel's own contributions, registered through the same hooks plugins use.

It is registered first, under the name "core", and cannot be disabled.
"""

from pathlib import Path

from hooks import hookimpl

import core.models as models

MIGRATIONS = Path(__file__).parent / "migrations" / "versions"

# Kernel areas that implement hooks in their own module (registered as "core.<area>…", always on).
KERNEL_PARTS: list[str] = ["core.web.pages.kernel_ui", "core.ledger.hooks", "core.kernel_hooks", "core.parties.hooks",
                           "core.web.pages.admin"]


@hookimpl
def register_migrations(register):
    register("core", MIGRATIONS)


@hookimpl
def register_doctypes(register):
    register(models.Company)


@hookimpl
def register_permissions(register):
    register("core.users.manage", "Gerenciar usuários e papéis", "Administração")
    register("core.company.manage", "Gerenciar empresas", "Administração")
