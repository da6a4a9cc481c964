"""A document type of the plugin's own: follow-up notes about a customer."""

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped

from core.doctype import DocMeta, Document, field

QUITA_COMPONENT = "example"  # this package's tables belong to the plugin "example"


class FollowUpNote(Document):
    __tablename__ = "example_follow_up_note"
    meta = DocMeta(label="Anotação de acompanhamento", label_plural="Anotações de acompanhamento",
                   list_columns=("party_id", "text", "vip"), filters=("party_id", "vip"),
                   permissions={"financeiro": "read write create"}, title_field="text")

    party_id: Mapped[int] = field(ForeignKey("party.id"), label="Cliente", required=True, link="party", index=True)
    text: Mapped[str] = field(String(200), label="Anotação", required=True)
    vip: Mapped[bool] = field(label="Cliente VIP", default=False)
