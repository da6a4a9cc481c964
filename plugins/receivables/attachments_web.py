"""Pages of the contract attachments ("Anexar arquivos") and the customer's image bank ("Banco de
Imagens"), reached from the "Contratos" and "Faturas a Receber" tabs of the customer panel.

- `GET  /receber/contratos/{id}/anexos` — the contract's files + the upload form (multipart,
  CSRF form field `csrf_token` like every form); `POST` the same URL uploads one file;
- `GET  /receber/anexos/{id}` — download (Content-Disposition: attachment);
- `POST /receber/anexos/{id}/remover` — remove, back to the contract's list;
- `GET  /pessoas/{party_id}/imagens` — the customer's images + upload form; `POST` uploads
  (images only: the bytes must be PNG/JPEG/GIF/WEBP/BMP);
- `GET  /receber/imagens/{id}` — the image itself (inline, `nosniff`).

Reading needs the right to read contracts; uploading and removing need
`receivables.contract.attachments`. Services: `plugins.receivables.contract_tools` on
`core.attachments` (a refusal — too large, not an image, empty — comes back in the page, 400).
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from core.errors import PermissionDenied, ValidationError
from core.i18n import _
from core.web.deps import current_user
from core.web.templating import render

router = APIRouter()


def _require(user, key: str) -> None:
    from core.auth import has_permission, permission_label

    if not has_permission(user, key):
        raise PermissionDenied(_("Você não tem permissão para “{label}”.").format(label=permission_label(key)))


def _require_read(user) -> None:
    from core.web.pages.common import require_doc_right
    from plugins.receivables.models import Contract

    require_doc_right(user, Contract, "read")


def _rows(items) -> list[dict]:
    from core.attachments import format_size

    return [{"id": a.id, "filename": a.filename, "mime_type": a.mime_type, "size": format_size(a.size_bytes),
             "uploaded_at": a.uploaded_at, "uploaded_by": a.uploaded_by or "", "description": a.description or ""}
            for a in items]


def contract_context(runtime, contract_id: int) -> dict:
    from core.db import unit_of_work
    from plugins.receivables.contract_tools import contract_attachments, max_attachment_bytes
    from plugins.receivables.contracts import get_contract
    from core.attachments import format_size

    with unit_of_work(runtime.engine, readonly=True) as s:
        c = get_contract(s, contract_id)
        return {"contract": {"id": c.id, "party_id": c.party_id}, "rows": _rows(contract_attachments(s, c.id)),
                "limit": format_size(max_attachment_bytes(runtime))}


def images_context(runtime, party_id: int) -> dict:
    from core.attachments import format_size
    from core.db import get_or_not_found, unit_of_work
    from core.parties.models import Party
    from plugins.receivables.contract_tools import customer_images, max_attachment_bytes

    with unit_of_work(runtime.engine, readonly=True) as s:
        party = get_or_not_found(s, Party, party_id, _("Pessoa {id} não encontrada.").format(id=party_id))
        return {"party": {"id": party.id, "name": party.name, "code": party.code},
                "rows": _rows(customer_images(s, party_id)), "limit": format_size(max_attachment_bytes(runtime))}


async def _upload(request: Request) -> tuple[str, bytes, str | None, str | None]:
    form = await request.form()
    upload = form.get("file")
    description = str(form.get("description") or "") or None
    if upload is None or isinstance(upload, str) or not getattr(upload, "filename", ""):
        return "", b"", None, description
    return upload.filename, await upload.read(), upload.content_type, description


async def _store_upload(request: Request, user, store, *, context, template: str, back: str):
    """The upload POSTs: the right to attach, the multipart file stored by `store(session, runtime,
    filename, content, content_type, description)` in one unit of work; a refusal re-renders
    `template` with `context(runtime)` and the message (400), success goes back to `back` (303)."""
    from plugins.receivables.contract_tools import PERM_ATTACH

    _require(user, PERM_ATTACH)
    runtime = request.app.state.runtime
    name, content, ctype, description = await _upload(request)

    def save():
        from core.db import unit_of_work

        with unit_of_work(runtime.engine) as s:
            store(s, runtime, name, content, ctype, description)

    try:
        await run_in_threadpool(save)
    except ValidationError as exc:
        ctx = await run_in_threadpool(context, runtime)
        return render(request, template, status_code=400, error=str(exc), **ctx)
    return RedirectResponse(back, status_code=303)


@router.get("/receber/contratos/{contract_id}/anexos", include_in_schema=False)
async def contract_attachments_page(request: Request, contract_id: int, user=Depends(current_user)):
    _require_read(user)
    ctx = await run_in_threadpool(contract_context, request.app.state.runtime, contract_id)
    return render(request, "receivables/attachments.html", **ctx)


@router.post("/receber/contratos/{contract_id}/anexos", include_in_schema=False)
async def contract_attachment_upload(request: Request, contract_id: int, user=Depends(current_user)):
    from plugins.receivables.contract_tools import attach_to_contract
    from plugins.receivables.contracts import get_contract

    def store(s, runtime, name, content, ctype, description):
        attach_to_contract(s, get_contract(s, contract_id), filename=name, content=content, declared_type=ctype,
                           runtime=runtime, user=user, description=description)

    return await _store_upload(request, user, store, context=lambda rt: contract_context(rt, contract_id),
                               template="receivables/attachments.html",
                               back=f"/receber/contratos/{contract_id}/anexos")


def _load(runtime, attachment_id: int, *, with_content: bool):
    from core.attachments import get_attachment
    from core.db import unit_of_work

    with unit_of_work(runtime.engine, readonly=True) as s:
        a = get_attachment(s, attachment_id)
        return {"target_kind": a.target_kind, "target_id": a.target_id, "kind": a.kind, "filename": a.filename,
                "mime_type": a.mime_type, "content": a.content if with_content else None}


def _disposition(kind: str, filename: str) -> str:
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "'")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


@router.get("/receber/anexos/{attachment_id}", include_in_schema=False)
async def attachment_download(request: Request, attachment_id: int, user=Depends(current_user)):
    _require_read(user)
    a = await run_in_threadpool(_load, request.app.state.runtime, attachment_id, with_content=True)
    return Response(a["content"], media_type=a["mime_type"],
                    headers={"Content-Disposition": _disposition("attachment", a["filename"]),
                             "X-Content-Type-Options": "nosniff"})


@router.post("/receber/anexos/{attachment_id}/remover", include_in_schema=False)
async def attachment_remove(request: Request, attachment_id: int, user=Depends(current_user)):
    from core.attachments import get_attachment, remove_attachment
    from plugins.receivables.contract_tools import PERM_ATTACH

    _require(user, PERM_ATTACH)
    runtime = request.app.state.runtime

    def remove():
        from core.db import unit_of_work

        with unit_of_work(runtime.engine) as s:
            a = get_attachment(s, attachment_id)
            back = (f"/receber/contratos/{a.target_id}/anexos" if a.kind == "arquivo"
                    else f"/pessoas/{a.target_id}/imagens")
            remove_attachment(s, a, user=user)
            return back

    return RedirectResponse(await run_in_threadpool(remove), status_code=303)


@router.get("/pessoas/{party_id}/imagens", include_in_schema=False)
async def images_page(request: Request, party_id: int, user=Depends(current_user)):
    _require_read(user)
    ctx = await run_in_threadpool(images_context, request.app.state.runtime, party_id)
    return render(request, "receivables/images.html", **ctx)


@router.post("/pessoas/{party_id}/imagens", include_in_schema=False)
async def image_upload(request: Request, party_id: int, user=Depends(current_user)):
    from core.db import get_or_not_found
    from core.parties.models import Party
    from plugins.receivables.contract_tools import add_customer_image

    def store(s, runtime, name, content, _ctype, description):
        get_or_not_found(s, Party, party_id, _("Pessoa {id} não encontrada.").format(id=party_id))
        add_customer_image(s, party_id, filename=name, content=content, runtime=runtime, user=user,
                           description=description)

    return await _store_upload(request, user, store, context=lambda rt: images_context(rt, party_id),
                               template="receivables/images.html", back=f"/pessoas/{party_id}/imagens")


@router.get("/receber/imagens/{attachment_id}", include_in_schema=False)
async def image_view(request: Request, attachment_id: int, user=Depends(current_user)):
    from core.errors import NotFound

    _require_read(user)
    a = await run_in_threadpool(_load, request.app.state.runtime, attachment_id, with_content=True)
    if a["kind"] != "imagem":
        raise NotFound(_("Imagem {id} não encontrada.").format(id=attachment_id))
    return Response(a["content"], media_type=a["mime_type"],
                    headers={"Content-Disposition": _disposition("inline", a["filename"]),
                             "X-Content-Type-Options": "nosniff"})
