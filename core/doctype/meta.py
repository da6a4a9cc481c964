"""What a document type declares: its meta (labels, list, filters, permissions, naming,
submittable) and its fields (type, pt-BR label, required/unique, choices, links)."""

from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from enum import IntEnum
from typing import Any

from sqlalchemy.orm import mapped_column


class DocStatus(IntEnum):
    """Submittable documents: draft → submitted → cancelled (amend makes a new draft)."""

    DRAFT = 0
    SUBMITTED = 1
    CANCELLED = 2

    @property
    def label(self) -> str:
        return {0: "Rascunho", 1: "Confirmado", 2: "Cancelado"}[int(self)]


@dataclass(frozen=True)
class DocMeta:
    """Declaration of a document type.

    - `label` / `label_plural`: pt-BR names.
    - `list_columns`: fields shown in the list view; `filters`: fields offered as per-column filters.
    - `permissions`: role -> space-separated rights among "read write create delete submit cancel amend".
      The role "admin" always has every right.
    - `submittable`: enables draft/submitted/cancelled and amend with lineage (`amended_from`).
    - `naming`: naming series such as "MOT-.#####" (drawn from the gapless counter when the
      document is created, or when submitted for submittable types); None ⇒ the id is the name.
    - `title_field`: the field that names a record in links and history.
    - `search_fields`: fields searched by the quick search box.
    - `order_by`: default list ordering (field name, "-" prefix for descending).
    """

    label: str
    label_plural: str | None = None
    list_columns: tuple[str, ...] = ()
    filters: tuple[str, ...] = ()
    permissions: dict[str, str] = dc_field(default_factory=dict)
    submittable: bool = False
    naming: str | None = None
    title_field: str | None = None
    search_fields: tuple[str, ...] = ()
    order_by: str = "-id"
    menu_group: str | None = None
    track_changes: bool = True

    @property
    def plural(self) -> str:
        return self.label_plural or self.label


@dataclass(frozen=True)
class FieldInfo:
    """A field's declaration as stored in `column.info["doc"]`."""

    label: str
    required: bool = False
    choices: tuple[tuple[str, str], ...] | None = None
    link: str | None = None          # target doctype name (its table name)
    help: str | None = None
    read_only: bool = False
    hidden: bool = False
    widget: str | None = None         # "textarea", "password", "money", "date"… (form hint)
    allow_on_submit: bool = False     # may change while the document is submitted
    extra: dict[str, Any] = dc_field(default_factory=dict)


def field(*args, label: str, required: bool = False, unique: bool = False, index: bool = False,
          choices=None, link: str | None = None, help: str | None = None, read_only: bool = False,
          hidden: bool = False, widget: str | None = None, allow_on_submit: bool = False, **kw):
    """`mapped_column(...)` plus the document-field declaration (label, choices, link…).

    `required` sets NOT NULL and makes the form refuse an empty value with a pt-BR message.
    `choices` is a sequence of (value, label) pairs or of plain values.
    """
    if choices is not None:
        choices = tuple((c, c) if isinstance(c, str) else (c[0], c[1]) for c in choices)
    info = kw.pop("info", {})
    info["doc"] = FieldInfo(label=label, required=required, choices=choices, link=link, help=help,
                            read_only=read_only, hidden=hidden, widget=widget, allow_on_submit=allow_on_submit)
    kw.setdefault("nullable", not required)
    return mapped_column(*args, unique=unique or None, index=index or None, info=info, **kw)


def fields_of(cls) -> dict[str, FieldInfo]:
    """Declared document fields of a mapped class, in declaration order."""
    out: dict[str, FieldInfo] = {}
    for col in cls.__table__.columns:
        info = col.info.get("doc")
        if info is not None:
            out[col.key] = info
    return out
