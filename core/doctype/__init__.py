"""Low-code document types ("Frappe DocType" on SQLAlchemy).

A plugin declares a document type once, as a mapped class with labelled fields::

    from sqlalchemy import String
    from sqlalchemy.orm import Mapped
    from core.doctype import DocMeta, Document, field

    class CostCentre(Document):
        __tablename__ = "cost_centre"
        meta = DocMeta(label="Centro de custo", label_plural="Centros de custo",
                       list_columns=("code", "name"), filters=("code", "name", "active"),
                       permissions={"financeiro": "read write create delete"})
        code: Mapped[str] = field(String(20), label="Código", required=True, unique=True)
        name: Mapped[str] = field(String(120), label="Nome", required=True)
        active: Mapped[bool] = field(label="Ativo", default=True)

and registers it with the `register_doctypes` hook. It then gets list and form views, REST
endpoints, permission checks, naming series, the submit/cancel/amend cycle (when submittable) and
the audit trail from the kernel.
"""

from core.doctype.meta import DocMeta, DocStatus, FieldInfo, field, fields_of
from core.doctype.base import Document

__all__ = ["DocMeta", "DocStatus", "Document", "FieldInfo", "field", "fields_of"]
