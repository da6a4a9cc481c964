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

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
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


def _build_env() -> Environment:
    env = Environment(loader=ChoiceLoader([FileSystemLoader(str(d)) for d in _dirs]),
                      autoescape=select_autoescape(["html", "xml"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["money"] = _fmt_money
    env.filters["brdate"] = _fmt_date
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
