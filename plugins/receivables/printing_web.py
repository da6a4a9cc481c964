"""Printing routes of the receivables plugin (registered by `web.include`, i.e. `register_routes`):

- `GET /receber/faturas/pdf?ids=1,2,3` — "Imprimir Fatura": one id ⇒ the A4 invoice
  (`fatura-<número>.pdf`), several ⇒ one carnê (`carne-<cliente>.pdf`); `ids` may also be repeated
  (`?ids=1&ids=2`, what the "Faturas a Receber" tab's form sends);
- `GET /receber/faturas/recibo.pdf?ids=…` — "Imprimir recibo de liquidação" of the selected
  invoices (their settlement not reversed), one page per invoice;
- `GET /receber/liquidacoes/{id}/recibo.pdf` — the receipt of one settlement.

Permission `receivables.invoice.print` (403 with the kernel's pt-BR message otherwise). A user
bound to a company (`app_user.company_id`) prints only that company's invoices. Refusals
(nothing selected, removed invoice, no settlement…) are 400 pages with the pt-BR reason. The PDF
is `inline` (opens in the browser's viewer, which can save or print it).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from core.web.deps import require_permission
from plugins.receivables.printing import (PERM_PRINT, PdfFile, print_invoices, print_settlement_receipts,
                                          settlement_receipt_pdf)

INVOICES_PDF_URL = "/receber/faturas/pdf"
RECEIPTS_PDF_URL = "/receber/faturas/recibo.pdf"
SETTLEMENT_RECEIPT_URL = "/receber/liquidacoes/{settlement_id}/recibo.pdf"

router = APIRouter()


def pdf_response(pdf: PdfFile) -> Response:
    return Response(pdf.content, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{pdf.filename}"',
                             "Cache-Control": "no-store"})


def _ids(request: Request) -> list[str]:
    return request.query_params.getlist("ids")


def _run(rt, fn, *args, **kwargs):
    """`fn(session, …)` in a read-only unit of work (printing never writes)."""
    from core.db import unit_of_work

    with unit_of_work(rt.engine, readonly=True) as s:
        return fn(s, *args, **kwargs)


@router.get(INVOICES_PDF_URL, include_in_schema=False)
async def invoices_pdf(request: Request, user=Depends(require_permission(PERM_PRINT))):
    runtime = request.app.state.runtime
    pdf = await run_in_threadpool(_run, runtime, print_invoices, _ids(request), runtime=runtime,
                                  company_id=getattr(user, "company_id", None))
    return pdf_response(pdf)


@router.get(RECEIPTS_PDF_URL, include_in_schema=False)
async def invoice_receipts_pdf(request: Request, user=Depends(require_permission(PERM_PRINT))):
    runtime = request.app.state.runtime
    pdf = await run_in_threadpool(_run, runtime, print_settlement_receipts, _ids(request),
                                  company_id=getattr(user, "company_id", None))
    return pdf_response(pdf)


@router.get(SETTLEMENT_RECEIPT_URL, include_in_schema=False)
async def settlement_receipt(request: Request, settlement_id: int, user=Depends(require_permission(PERM_PRINT))):
    runtime = request.app.state.runtime
    content = await run_in_threadpool(_run, runtime, settlement_receipt_pdf, settlement_id,
                                      company_id=getattr(user, "company_id", None))
    return pdf_response(PdfFile(f"recibo-liquidacao-{settlement_id}.pdf", content))


def print_tools_html(user):
    """The two print buttons of the "Faturas a Receber" toolbar (disabled with the reason when the
    user lacks `receivables.invoice.print`; the routes refuse either way)."""
    from markupsafe import Markup

    from core.auth import has_permission, permission_label
    from core.i18n import _
    from core.web.templating import render_string

    denied = None
    if user is None or not has_permission(user, PERM_PRINT):
        denied = _("Você não tem permissão para esta ação ({label}).").format(label=permission_label(PERM_PRINT))
    return Markup(render_string("receivables/print_tools.html", denied=denied, invoices_url=INVOICES_PDF_URL,
                                receipts_url=RECEIPTS_PDF_URL))
