"""The kernel's own contributions to the host UI, through the same hooks plugins use.

Registered as a kernel part (`core.builtin_plugin.KERNEL_PARTS`), so it is always on:
- the menu entry "Painel do Cliente" (Financeiro → the party searches);
- the customer-panel tab "Dados cadastrais" (the party's fields and its change history), so the
  panel is never empty even with every plugin disabled.
"""

from __future__ import annotations

from hooks import hookimpl
from core.web.registry import MenuItem, PanelContext, PanelTab
from core.web.templating import render_string

CADASTRO_TAB_KEY = "dados-cadastrais"


def render_party_data(ctx: PanelContext) -> str:
    from core.doctype import fields_of
    from core.web.pages.common import display_value

    party = ctx.party
    rows = []
    for key, info in fields_of(type(party)).items():
        if info.hidden:
            continue
        rows.append((info.label, display_value(getattr(party, key, None), info, key)))
    from core.audit import history
    from core.web.pages.history import history_rows

    kind = type(party).doctype_name()
    entries = history_rows(ctx.runtime, history(ctx.session, kind, party.id)[:10], kind)
    return render_string("panel/party_data.html", party=party, rows=rows, entries=entries,
                         target_kind=type(party).doctype_name())


@hookimpl
def register_menu_items(register):
    register(MenuItem(label="Painel do Cliente", url="/pessoas", group="Financeiro", order=10))


@hookimpl
def register_customer_panel_tabs(register):
    register(PanelTab(key=CADASTRO_TAB_KEY, label="Dados cadastrais", render=render_party_data, order=1000))
