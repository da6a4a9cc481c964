"""Registration hooks: what a plugin contributes to the kernel.

Every registration hook is called once, when the plugin manager starts (`core.plugins.load_plugins`),
only for enabled plugins, with a `register` callback. A disabled plugin is never registered, so it
contributes nothing: no settings, permissions, documents, menu, panels, actions, routes or commands.
None of these hooks may touch the database.
"""

from hooks import hookspec


@hookspec
def register_settings(register):
    """Declare the plugin's settings model.

    Arguments: `register(plugin_name: str, model: type[pydantic.BaseModel])`.
    Return: nothing (call `register`). Not firstresult; called once at start.
    The kernel validates the `[plugins.<plugin_name>]` table of quita.toml with `model`; an
    invalid or unknown key stops the start with an error naming the key. Validated settings are
    available as `registry.settings[plugin_name]`. No database access.
    """


@hookspec
def register_migrations(register):
    """Declare the plugin's Alembic migration folder.

    Arguments: `register(component: str, path: pathlib.Path, depends_on: tuple[str, ...] = ())`.
    `component` is the plugin name; each component has its own version table
    (`alembic_version_<component>`), so disabling a plugin never touches — nor drops — its
    tables. `depends_on` lists components whose migrations must run first (the kernel, "core",
    always runs first). Called once at start; no database access.
    """


@hookspec
def register_permissions(register):
    """Declare permission keys the plugin's actions and documents check.

    Arguments: `register(key: str, label: str, group: str)`; key like "receivables.invoice.remove",
    label and group in pt-BR (the manuals' "Definição de permissões" groups). Roles grant keys.
    Called once at start; no database access.
    """


@hookspec
def register_doctypes(register):
    """Declare low-code document types (see `core.doctype`).

    Arguments: `register(document_class: type[core.doctype.Document])`.
    Each registered class gets list and form views, REST endpoints (in the OpenAPI schema),
    permission checks and the audit trail without more code. Its table is created by the
    plugin's migrations (`quita db revision --component <plugin> --autogenerate`).
    Called once at start; no database access.
    """


@hookspec
def register_menu_items(register):
    """Add entries to the host UI menu.

    Arguments: `register(item: core.web.registry.MenuItem)` — label (pt-BR), url, group, order,
    permission (optional key; the item is hidden for users without it).
    Called once at start; no database access.
    """


@hookspec
def register_customer_panel_tabs(register):
    """Add tabs to the customer financial panel (double-click a party).

    Arguments: `register(tab: core.web.registry.PanelTab)` — key, label (pt-BR), order, and
    `render(ctx: core.web.registry.PanelContext) -> str` returning the tab's HTML fragment.
    `render` runs inside a read-only unit of work (`ctx.session`); it must not write.
    Called once at start; tabs of a disabled plugin do not exist.
    """


@hookspec
def register_actions(register):
    """Declare actions (remove invoice, suspend account, settle…) run through `core.actions`.

    Arguments: `register(action: core.actions.Action)`. An action names its target kind, a
    permission key, a pt-BR label, a pydantic parameters schema and a `run` function. Before it
    runs, every enabled plugin is asked for blockers (`action_blockers`). Called once at start.
    """


@hookspec
def register_routes(register):
    """Add HTTP routes (pages, HTMX fragments, JSON endpoints) to the host app.

    Arguments: `register(router: fastapi.APIRouter)`. Routes of a disabled plugin do not exist.
    Handlers open their own unit of work (`core.db.unit_of_work`). Called once when the app is built.
    """


@hookspec
def register_cli_commands(cli):
    """Add commands to the `quita` command line.

    Arguments: `cli: typer.Typer` — the root app; add commands (`@cli.command()`) or groups
    (`cli.add_typer(sub, name="billing")`). Commands of a disabled plugin do not exist.
    Every command must have a pt-BR help text. Called once per process, before parsing argv.
    """


@hookspec
def register_outbox_handlers(register):
    """Handle side effects that leave the process (e-mail, files, bank calls).

    Arguments: `register(kind: str, handler: Callable[[core.outbox.OutboxMessage, Session], None])`.
    Services enqueue messages with `core.outbox.enqueue(session, kind, payload)` inside their
    unit of work; handlers run only after that transaction commits (`quita outbox run`, or the
    in-process dispatcher), each in its own transaction; a failing handler is retried later and
    its error is kept on the message. Called once at start.
    """


@hookspec
def register_reason_kinds(register):
    """Declare kinds of reasons (motivos) the plugin uses as master data.

    Arguments: `register(kind: str, label: str)` — e.g. ("suspensao_conta", "Suspensão de conta").
    Operators then maintain the reasons of each kind in the "Motivos" document.
    Called once at start; no database access.
    """
