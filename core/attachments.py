"""Attachments of a record: files (any type) and images, stored in the database.

Any component attaches files to its own records by kind + id (`target_kind`, `target_id`) —
the same naming the audit trail uses (a table or document name: "receivables_contract",
"party"…). The kernel does not know the target tables; the caller checks that its record exists.

Services take the caller's `Session`, never commit, and raise `core.errors.ValidationError`
with a pt-BR message naming the file:

- `add_attachment(session, target_kind=…, target_id=…, filename=…, content=…, max_bytes=…)` —
  empty file, name missing, size above `max_bytes` ("O arquivo «x.pdf» tem 6,2 MB; o limite é
  5,0 MB.") are refused. `kind="imagem"` accepts only images recognised by their MAGIC BYTES
  (PNG, JPEG, GIF, WEBP, BMP) — the name's extension and the browser's declared type are not
  trusted; the stored `mime_type` is the one the bytes prove. Other files keep the declared type
  (or one guessed from the name; `application/octet-stream` otherwise).
- `list_attachments(session, target_kind, target_id, kind=None)` — newest first, without bytes.
- `get_attachment(session, attachment_id)` — NotFound (pt-BR) when absent; `.content` loads the bytes.
- `remove_attachment(session, attachment, user=…)` — deletes the row.

Every upload and removal writes an audit entry on the TARGET record (action
"core.attachment.add" / "core.attachment.remove"; who, when, file name, type and size — never the
bytes), so the record's history shows its attachments coming and going.
"""

from __future__ import annotations

import mimetypes
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.db import get_or_not_found
from core.errors import ValidationError
from core.i18n import _
from core.model import utcnow
from core.models.attachments import KIND_FILE, KIND_IMAGE, Attachment

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
ADD = "core.attachment.add"
REMOVE = "core.attachment.remove"

# (prefix, offset, mime type). WEBP: "RIFF" at 0 and "WEBP" at 8.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),
    (b"BM", 0, "image/bmp"),
)
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp")


def sniff_image(content: bytes) -> str | None:
    """The image mime type proven by `content`'s first bytes, or None when it is not an image."""
    for magic, offset, mime in _MAGIC:
        if content[offset:offset + len(magic)] == magic:
            if mime == "image/webp" and content[:4] != b"RIFF":
                continue
            if mime == "image/bmp" and len(content) < 26:
                continue
            return mime
    return None


def format_size(size: int) -> str:
    """Bytes for an operator: "820 bytes", "12,5 KB", "6,2 MB" (pt-BR decimal comma)."""
    if size < 1024:
        return f"{size} byte" if size == 1 else f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB".replace(".", ",")
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")


def _clean_name(filename: str | None) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:255]


def _info(att: Attachment) -> dict:
    return {"attachment_id": att.id, "kind": att.kind, "filename": att.filename, "mime_type": att.mime_type,
            "size_bytes": att.size_bytes, "description": att.description}


def add_attachment(session: Session, *, target_kind: str, target_id: int, filename: str | None, content: bytes,
                   declared_type: str | None = None, kind: str = KIND_FILE, max_bytes: int = DEFAULT_MAX_BYTES,
                   description: str | None = None, company_id: int | None = None, user=None,
                   now: datetime | None = None) -> Attachment:
    """Store one file attached to (`target_kind`, `target_id`); see the module docstring."""
    name = _clean_name(filename)
    if not name:
        raise ValidationError(_("Selecione um arquivo para anexar."), field="file")
    if kind not in (KIND_FILE, KIND_IMAGE):
        raise ValidationError(_("Tipo de anexo inválido: {kind}").format(kind=kind), field="kind")
    data = bytes(content or b"")
    if not data:
        raise ValidationError(_("O arquivo «{name}» está vazio.").format(name=name), field="file")
    if len(data) > max_bytes:
        raise ValidationError(_("O arquivo «{name}» tem {size}; o limite é {limit}.").format(
            name=name, size=format_size(len(data)), limit=format_size(max_bytes)), field="file")
    if kind == KIND_IMAGE:
        mime = sniff_image(data)
        if mime is None:
            raise ValidationError(_("O arquivo «{name}» não é uma imagem (aceitos: PNG, JPEG, GIF, WEBP ou BMP).")
                                  .format(name=name), field="file")
    else:
        declared = (declared_type or "").split(";")[0].strip().lower()
        mime = sniff_image(data) or (declared if declared and declared != "application/octet-stream" else None) \
            or mimetypes.guess_type(name)[0] or "application/octet-stream"
    att = Attachment(target_kind=target_kind, target_id=int(target_id), kind=kind, filename=name,
                     mime_type=mime[:120], size_bytes=len(data), content=data,
                     description=(description or "").strip()[:250] or None, company_id=company_id,
                     uploaded_at=now or utcnow(), uploaded_by_id=getattr(user, "id", None),
                     uploaded_by=getattr(user, "username", None))
    session.add(att)
    session.flush()
    audit.record(session, action=ADD, target_kind=target_kind, target_id=int(target_id), user=user,
                 after=_info(att), company_id=company_id)
    return att


def list_attachments(session: Session, target_kind: str, target_id: int | list[int],
                     kind: str | None = None) -> list[Attachment]:
    """Attachments of one record (or of several ids), newest first; the bytes are not loaded."""
    ids = [int(target_id)] if isinstance(target_id, int) else [int(i) for i in target_id]
    if not ids:
        return []
    stmt = select(Attachment).where(Attachment.target_kind == target_kind, Attachment.target_id.in_(ids))
    if kind is not None:
        stmt = stmt.where(Attachment.kind == kind)
    return list(session.scalars(stmt.order_by(Attachment.uploaded_at.desc(), Attachment.id.desc())))


def get_attachment(session: Session, attachment_id: int) -> Attachment:
    return get_or_not_found(session, Attachment, attachment_id,
                            _("Anexo {id} não encontrado.").format(id=attachment_id))


def remove_attachment(session: Session, attachment: Attachment, *, user=None, justification: str | None = None) -> None:
    """Delete the attachment; the target's history keeps who removed which file."""
    info = _info(attachment)
    audit.record(session, action=REMOVE, target_kind=attachment.target_kind, target_id=attachment.target_id,
                 user=user, before=info, after=None, justification=justification,
                 company_id=attachment.company_id)
    session.delete(attachment)
    session.flush()


__all__ = ["Attachment", "KIND_FILE", "KIND_IMAGE", "IMAGE_TYPES", "DEFAULT_MAX_BYTES", "sniff_image",
           "format_size", "add_attachment", "list_attachments", "get_attachment", "remove_attachment"]
