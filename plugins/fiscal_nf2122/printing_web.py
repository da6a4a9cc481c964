"""Printing route of the fiscal documents (registered by `register_routes`):

- `GET /fiscal/documentos/pdf?ids=1,2,3` — "Imprimir documento fiscal" of the selected documents
  (customer panel, "Documentos fiscais gerados"): one PDF, `inline` (the browser's viewer prints or
  saves it); `ids` may be repeated (`?ids=1&ids=2`, what the tab's form sends). Printing marks the
  generated documents as delivered (`printing.print_documents`), so the request runs in a writing
  unit of work.

Permission `fiscal_nf2122.document.print` (403 with the kernel's pt-BR message otherwise). A user
bound to a company prints only that company's documents. Refusals (nothing selected, pending or
annulled document) are 400 pages with the pt-BR reason; an unknown id is 404.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from core.web.deps import require_permission
from plugins.fiscal_nf2122.printing import PERM_PRINT, PdfFile, print_documents

DOCUMENTS_PDF_URL = "/fiscal/documentos/pdf"

router = APIRouter()

from pathlib import Path  # noqa: E402

from core.web.templating import add_template_dir  # noqa: E402

add_template_dir(Path(__file__).parent / "templates")


def pdf_response(pdf: PdfFile) -> Response:
    return Response(pdf.content, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{pdf.filename}"',
                             "Cache-Control": "no-store"})


def _print(runtime, ids, company_id, user) -> PdfFile:
    from core.db import unit_of_work

    with unit_of_work(runtime.engine) as s:
        return print_documents(s, ids, company_id=company_id, user=user)


@router.get(DOCUMENTS_PDF_URL, include_in_schema=False)
async def documents_pdf(request: Request, user=Depends(require_permission(PERM_PRINT))):
    runtime = request.app.state.runtime
    pdf = await run_in_threadpool(_print, runtime, request.query_params.getlist("ids"),
                                  getattr(user, "company_id", None), user)
    return pdf_response(pdf)


def print_tools_html(user):
    """The "Imprimir documento fiscal" button of the "Documentos fiscais gerados" toolbar (disabled
    with the reason when the user lacks the permission; the route refuses either way)."""
    from markupsafe import Markup

    from core.auth import has_permission, permission_label
    from core.i18n import _
    from core.web.templating import render_string

    denied = None
    if user is None or not has_permission(user, PERM_PRINT):
        denied = _("Você não tem permissão para esta ação ({label}).").format(label=permission_label(PERM_PRINT))
    return Markup(render_string("fiscal_nf2122/print_tools.html", denied=denied, pdf_url=DOCUMENTS_PDF_URL))
