"""Customer financial panel `/pessoas/{id}/painel`: the party's header and the tabs plugins add.

Tabs come from `registry.panel_tabs` (hook `register_customer_panel_tabs`); a tab whose
`permission` the user lacks is neither shown nor served; a disabled plugin's tabs do not exist.
Each tab is loaded with HTMX when clicked, rendered inside a read-only unit of work.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse

from core.errors import NotFound
from core.i18n import _
from core.web.deps import current_user
from core.web.pages.common import display_value, format_document, party_class, require_doc_right
from core.web.registry import PanelContext
from core.web.templating import render
from core.db import get_or_not_found

router = APIRouter()


def visible_tabs(runtime, user) -> list:
    """The panel tabs this user may see, in order."""
    from core.auth import has_permission

    return [t for t in runtime.registry.panel_tabs if t.permission is None or has_permission(user, t.permission)]


def _load_party(session, cls, party_id: int):
    return get_or_not_found(session, cls, party_id, _("Pessoa {id} não encontrada.").format(id=party_id))


def party_header(party) -> dict:
    """What the panel header shows, formatted for the operator."""
    from core.doctype import fields_of

    infos = fields_of(type(party))

    def val(key):
        return display_value(getattr(party, key, None), infos.get(key), key)

    city = val("city")
    uf = val("uf")
    return {
        "id": party.id, "code": val("code") or str(party.id), "name": val("name") or party.title,
        "trade_name": val("trade_name"), "document": format_document(getattr(party, "document", None)),
        "person_type": val("person_type"), "classification": val("classification"),
        "email": val("email"), "phone": val("phone"),
        "city": f"{city}/{uf}" if city and uf else city or uf, "district": val("district"),
        "active": getattr(party, "active", True),
    }


@router.get("/pessoas/{party_id}/painel", include_in_schema=False)
async def panel_page(request: Request, party_id: int, aba: str | None = None, user=Depends(current_user)):
    runtime = request.app.state.runtime
    cls = party_class(runtime)
    require_doc_right(user, cls, "read")

    def load():
        from core.db import unit_of_work

        with unit_of_work(runtime.engine, readonly=True) as session:
            return party_header(_load_party(session, cls, party_id))

    header = await run_in_threadpool(load)
    tabs = visible_tabs(runtime, user)
    active = next((t.key for t in tabs if t.key == aba), tabs[0].key if tabs else None)
    return render(request, "panel/panel.html", party=header, tabs=tabs, active=active)


@router.get("/pessoas/{party_id}/painel/aba/{key}", include_in_schema=False)
async def panel_tab(request: Request, party_id: int, key: str, user=Depends(current_user)):
    runtime = request.app.state.runtime
    cls = party_class(runtime)
    require_doc_right(user, cls, "read")
    tab = next((t for t in visible_tabs(runtime, user) if t.key == key), None)
    if tab is None:
        raise NotFound(_("Aba do painel não encontrada ou sem permissão."))

    def render_tab() -> str:
        from core.db import unit_of_work

        with unit_of_work(runtime.engine, readonly=True) as session:
            party = _load_party(session, cls, party_id)
            ctx = PanelContext(session=session, party=party, user=user, request=request, runtime=runtime)
            return tab.render(ctx)

    html = await run_in_threadpool(render_tab)
    return HTMLResponse(html)
