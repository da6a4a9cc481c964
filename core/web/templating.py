"""Jinja2 environment shared by the kernel and plugins.

Templates are looked up in `core/web/templates` and in each enabled plugin's `templates/` folder
(plugins add theirs with `add_template_dir`). Autoescape is on. `render(request, name, **ctx)`
adds what every page needs: the user, the menu, the CSRF token, pt-BR filters (money, dates).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, pass_context, select_autoescape
from markupsafe import Markup, escape
from starlette.responses import HTMLResponse

from core.money import format_brl

TEMPLATE_DIR = Path(__file__).parent / "templates"
_dirs: list[Path] = [TEMPLATE_DIR]
SAO_PAULO = ZoneInfo("America/Sao_Paulo")


def _fmt_date(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(SAO_PAULO).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _fmt_money(value) -> str:
    return format_brl(value) if isinstance(value, (Decimal, int)) else ("" if value is None else str(value))


@pass_context
def action_button(context, name: str, grid: str | None = None, ids=None, label: str | None = None,
                  css: str = "btn") -> Markup:
    """Jinja global: `{{ action_button("receivables.invoice.remove", grid="#faturas") }}`.

    Needs `runtime` and `user` in the template context (pages rendered with `render()` have
    them; a panel tab passes `runtime=ctx.runtime, user=ctx.user` to `render_string`)."""
    return action_button_html(context.get("runtime"), context.get("user"), name, grid=grid, ids=ids,
                              label=label, css=css)


def action_button_html(runtime, user, name: str, *, grid: str | None = None, ids=None,
                       label: str | None = None, css: str = "btn") -> Markup:
    """A button that opens the bulk-action dialog of action `name` for the rows checked in `grid`
    (a CSS selector of the table whose row checkboxes are `<input type=checkbox name=ids
    value=ID>`) or for fixed `ids`. Disabled, with a tooltip, when the user lacks the permission
    or the action is not registered (its plugin is disabled); the server refuses either way."""
    from core.i18n import _

    action = runtime.registry.actions.get(name) if runtime is not None else None
    text = label or (action.label if action else name)
    attrs = {"type": "button", "class": css, "data-action": name}
    if grid:
        attrs["data-grid"] = grid
    if ids:
        attrs["data-ids"] = ",".join(str(i) for i in ids)
    reason = None
    if action is None:
        reason = _("Ação indisponível nesta instalação.")
    else:
        from core.auth import has_permission, permission_label

        if user is None or not has_permission(user, action.permission):
            reason = _("Você não tem permissão para esta ação ({label}).").format(
                label=permission_label(action.permission))
    if reason:
        attrs["disabled"] = "disabled"
        attrs["aria-disabled"] = "true"
        attrs["title"] = reason
    html = " ".join(f'{k}="{escape(v)}"' for k, v in attrs.items())
    wrapped = f'<button {html}>{escape(text)}</button>'
    if reason:  # a disabled button shows no tooltip in some browsers: the wrapper carries it too
        wrapped = f'<span class="btn-wrap" title="{escape(reason)}">{wrapped}</span>'
    return Markup(wrapped)


def _build_env() -> Environment:
    env = Environment(loader=ChoiceLoader([FileSystemLoader(str(d)) for d in _dirs]),
                      autoescape=select_autoescape(["html", "xml"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["money"] = _fmt_money
    env.filters["brdate"] = _fmt_date
    env.globals["action_button"] = action_button
    return env


env = _build_env()


def add_template_dir(path: Path) -> None:
    """Let a plugin's templates be found (its folder wins over nothing; kernel names stay)."""
    global env
    if path not in _dirs:
        _dirs.append(path)
        env = _build_env()


def render_string(name: str, **ctx) -> str:
    return env.get_template(name).render(**ctx)


def render(request, name: str, status_code: int = 200, **ctx) -> HTMLResponse:
    """Render a full page or fragment with the common context."""
    from core.web.deps import page_context

    full = page_context(request)
    full.update(ctx)
    return HTMLResponse(env.get_template(name).render(**full), status_code=status_code)
