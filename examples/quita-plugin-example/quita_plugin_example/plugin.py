"""Hook implementations of the example plugin.

- a customer-panel tab ("Acompanhamento") listing the party's follow-up notes;
- a guard: no action may run on a party that has a VIP note;
- a document type with its own migrations (table `example_follow_up_note`).
"""

from html import escape
from pathlib import Path

from sqlalchemy import select

from hooks import hookimpl
from quita_plugin_example.models import FollowUpNote

LABEL = "Exemplo: acompanhamento de clientes"
REQUIRES = ()
BLOCKER_CODE = "example.vip"


@hookimpl
def register_migrations(register):
    register("example", Path(__file__).parent / "migrations")


@hookimpl
def register_doctypes(register):
    register(FollowUpNote)


@hookimpl
def register_customer_panel_tabs(register):
    from core.web.registry import PanelTab

    register(PanelTab(key="acompanhamento", label="Acompanhamento", order=900, render=render_tab))


def render_tab(ctx) -> str:
    notes = ctx.session.scalars(select(FollowUpNote).where(FollowUpNote.party_id == ctx.party.id)
                                .order_by(FollowUpNote.id)).all()
    if not notes:
        return '<p class="empty">Nenhuma anotação de acompanhamento.</p>'
    items = "".join(f"<li>{'★ ' if n.vip else ''}{escape(n.text)}</li>" for n in notes)
    return f'<ul class="example-notes">{items}</ul>'


@hookimpl
def action_blockers(action, records, params, ctx):
    if getattr(action.target, "__tablename__", None) != "party":
        return None
    ids = [r.id for r in records]
    vip = set(ctx.session.scalars(select(FollowUpNote.party_id).where(
        FollowUpNote.party_id.in_(ids), FollowUpNote.vip.is_(True))))
    from core.actions import Blocker

    return [Blocker(pid, BLOCKER_CODE, f"O cliente {pid} é VIP (plugin de exemplo): ação não permitida")
            for pid in sorted(vip)]
