"""Registration hooks: what a plugin contributes to the kernel.

Called once at start (`core.plugins.load_plugins`), only for enabled plugins, with a `register`
callback. A disabled plugin is never registered, so it contributes nothing: no settings,
migrations, permissions, documents, menu, panels, actions, routes, commands or handlers.
"""

from hooks import hookspec



@hookspec
def register_settings(register):
    """Declare the plugin's settings model (the `[plugins.<name>]` table of quita.toml).

    Arguments: `register(plugin_name: str, model: type[pydantic.BaseModel])`.
    Returns: nothing — call `register`.
    Calls: every enabled plugin (not firstresult), once at start; order does not matter
    (menus and tabs are sorted by their `order`).
    Transaction: none — runs outside any unit of work and must not touch the database.

    The kernel validates the plugin's table with `model`; an invalid or unknown key stops the
    start with one error naming the key (e.g. `[plugins.receivables.minimum_amount]`).
    Validated settings are then `runtime.settings(plugin_name)`.
    """


@hookspec
def register_migrations(register):
    """Declare the plugin's Alembic migrations folder.

    Arguments: `register(component: str, path: pathlib.Path, depends_on: tuple[str, ...] = ())`.
    Returns: nothing — call `register`.
    Calls: every enabled plugin (not firstresult), once at start; order does not matter
    (menus and tabs are sorted by their `order`).
    Transaction: none — runs outside any unit of work and must not touch the database.

    Each component has its own lineage and version table (`alembic_version_<component>`);
    `quita db upgrade` runs the kernel first, then the enabled plugins after what they depend
    on (`depends_on` and the plugin's `REQUIRES`). Disabling a plugin never drops its tables.
    """


@hookspec
def register_permissions(register):
    """Declare the permission keys the plugin's actions, pages and documents check.

    Arguments: `register(key: str, label: str, group: str)` — key like
    "receivables.invoice.remove"; label and group in pt-BR (the manuals' permission groups).
    Returns: nothing — call `register`.
    Calls: every enabled plugin (not firstresult), once at start; order does not matter
    (menus and tabs are sorted by their `order`).
    Transaction: none — runs outside any unit of work and must not touch the database.
    """


@hookspec
def register_doctypes(register):
    """Declare low-code document types (see `core.doctype`).

    Arguments: `register(document_class: type[core.doctype.Document])`.
    Returns: nothing — call `register`.
    Calls: every enabled plugin (not firstresult), once at start; order does not matter
    (menus and tabs are sorted by their `order`).
    Transaction: none — runs outside any unit of work and must not touch the database.

    Each class gets list and form views, REST endpoints in the OpenAPI schema, permission checks
    and the audit trail. Its table comes from the plugin's migrations
    (`quita db revision --component <plugin> -m "…"` autogenerates it).
    """


@hookspec
def register_menu_items(register):
    """Add entries to the host UI menu.

    Arguments: `register(item: core.web.registry.MenuItem)` — label (pt-BR), url, group, order,
    permission (optional key: the item is hidden from users without it).
    Returns: nothing — call `register`.
    Calls: every enabled plugin (not firstresult), once at start; order does not matter
    (menus and tabs are sorted by their `order`).
    Transaction: none — runs outside any unit of work and must not touch the database.
    """


@hookspec
def register_customer_panel_tabs(register):
    """Add tabs to the customer financial panel (double-click a party in the searches).

    Arguments: `register(tab: core.web.registry.PanelTab)` — key, label (pt-BR), order, optional
    permission, and `render(ctx: core.web.registry.PanelContext) -> str` returning HTML.
    Returns: nothing — call `register`.
    Calls: every enabled plugin (not firstresult), once at start; order does not matter
    (menus and tabs are sorted by their `order`).
    Transaction: registration touches no database; `render` later runs inside a read-only unit
    of work (`ctx.session`) and must not write.
    """


@hookspec
def register_actions(register):
    """Declare actions (remove invoice, suspend account, settle…) run through `core.actions`.

    Arguments: `register(action: core.actions.Action)` — name, pt-BR label, target kind,
    permission key, pydantic parameters schema, `run` function.
    Returns: nothing — call `register`.
    Calls: every enabled plugin (not firstresult), once at start; order does not matter
    (menus and tabs are sorted by their `order`).
    Transaction: none at registration; the action's `run` later executes inside the action's
    unit of work, after every plugin's `action_blockers` was asked, and must not commit.
    """


@hookspec
def register_routes(register):
    """Add HTTP routes (pages, HTMX fragments, JSON endpoints) to the host app.

    Arguments: `register(router: fastapi.APIRouter)`.
    Returns: nothing — call `register`.
    Calls: every enabled plugin (not firstresult), once each time the web app is built; routes
    are added after the kernel's, so a plugin cannot shadow a kernel page.
    Transaction: none at registration; handlers open their own unit of work
    (`core.db.unit_of_work`). Routes of a disabled plugin do not exist.
    """


@hookspec
def register_cli_commands(cli):
    """Add commands to the `quita` command line.

    Arguments: `cli: typer.Typer` — the root app; add commands (`@cli.command()`) or groups
    (`cli.add_typer(sub, name="billing")`). Every command needs a pt-BR help text.
    Returns: nothing.
    Calls: every enabled plugin (not firstresult), once per process, before argv is parsed; a
    command name already taken is an error.
    Transaction: none at registration; each command opens its own unit of work.
    """


@hookspec
def register_outbox_handlers(register):
    """Handle side effects that leave the process (e-mail, files, bank calls).

    Arguments: `register(kind: str, handler: Callable[[OutboxMessage, Session], None])`.
    Returns: nothing — call `register`.
    Calls: every enabled plugin (not firstresult), once at start; order does not matter
    (menus and tabs are sorted by their `order`).
    Transaction: none at registration. Services enqueue with `core.outbox.enqueue(session, kind,
    payload)` inside their unit of work; handlers run only after that transaction committed,
    each message in its own transaction; a failing handler is retried and its error kept.
    """


@hookspec
def register_reason_kinds(register):
    """Declare kinds of reasons (motivos) the plugin uses as master data.

    Arguments: `register(kind: str, label: str)` — e.g. ("suspensao_conta", "Suspensão de conta").
    Returns: nothing — call `register`. Operators keep the reasons of each kind in "Motivos".
    Calls: every enabled plugin (not firstresult), once at start; order does not matter
    (menus and tabs are sorted by their `order`).
    Transaction: none — runs outside any unit of work and must not touch the database.
    """


@hookspec
def register_jobs(register):
    """Declare kinds of background jobs (see `core.jobs`).

    Arguments: `register(spec: core.jobs.JobSpec)` — kind, pt-BR label, `plan(session, params)
    -> list[dict]` (one payload per chunk) and `run_chunk(session, params, payload) -> dict | None`.
    Returns: nothing — call `register`.
    Calls: every enabled plugin (not firstresult), once at start; order does not matter
    (menus and tabs are sorted by their `order`).
    Transaction: none at registration. Later `plan` runs in the submitting unit of work and
    each `run_chunk` in its own transaction together with the chunk's claim, so a chunk is done
    exactly once: a crash rolls it back and another run (or worker) takes it again.
    """


@hookspec
def register_history_kinds(register):
    """Describe audited records that are not document types, for the history page.

    Arguments: `register(kind: str, label: str, permission: str, fields: dict[str, str] = {},
    title: Callable[[Session, int], str | None] | None = None)` — `kind` is the audit
    `target_kind` (e.g. "app_user"), `label` its pt-BR name, `permission` the key needed to read
    its history, `fields` pt-BR labels per audited key (others are shown as they are), `title`
    a function naming one record.
    Returns: nothing — call `register`.
    Calls: every enabled plugin (not firstresult), once at start; order does not matter.
    Transaction: none at registration; `title` later runs inside the history page's read-only
    unit of work and must not write.
    """


@hookspec
def register_demo_loaders(register):
    """Add the plugin's demonstration data to `quita demo`.

    Arguments: `register(label: str, loader: Callable[[Runtime, random.Random, Callable[[str], None]],
    dict | None], order: int = 100)` — `label` in pt-BR (shown as progress), `loader(runtime, rnd,
    echo)` creates the data and returns counts for the summary; `rnd` is seeded by `--seed`.
    Returns: nothing — call `register`.
    Calls: every enabled plugin (not firstresult), once per `quita demo`; loaders then run by
    `order`, after the kernel's demo data (companies, users, parties, chart of accounts).
    Transaction: none at registration; each loader opens its own units of work (it may run jobs
    such as a billing run), after the kernel's demo transaction committed.
    """
