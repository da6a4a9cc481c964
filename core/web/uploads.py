"""Reading what an operator uploaded in a multipart form (retorno, OFX statement…), with the
pt-BR refusals every upload page gives the same way."""

from __future__ import annotations

from core.errors import ValidationError
from core.i18n import _


async def uploaded_file(form, *, missing: str, field: str = "file") -> tuple[str, bytes]:
    """(filename, bytes) of the form's file field. No file chosen ⇒ `ValidationError(missing)`; an
    empty file ⇒ "O arquivo X está vazio." — both on `field`."""
    upload = form.get(field)
    if upload is None or isinstance(upload, str) or not getattr(upload, "filename", ""):
        raise ValidationError(missing, field=field)
    content = await upload.read()
    if not content:
        raise ValidationError(_("O arquivo {file} está vazio.").format(file=upload.filename), field=field)
    return upload.filename, content


def optional_id(form, field: str, *, invalid: str) -> int | None:
    """An optional record id chosen in a form (a <select> of profiles, accounts…): None when blank,
    `ValidationError(invalid)` when it is not a number."""
    raw = str(form.get(field) or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationError(invalid, field=field)
    return int(raw)
