"""Documents of the write-off on the pages ("Tela final da rotina de baixa": recibo, autorização,
borderô), linked from the list "Faturas a pagar" once an installment is written off:

- `GET /pagar/baixas/{writeoff_id}/recibo.pdf` — the receipt of a write-off in force
  (`printing.writeoff_receipt_pdf`; a reversed write-off is refused);
- `GET /pagar/baixas/{writeoff_id}/cheque.pdf[?nominal=0]` — "Imprimir cheque" of a write-off paid by
  cheque, at the credit account's layout (`cheque_print.cheque_pdf`);
- `GET /pagar/lancamentos/{invoice_id}/autorizacao.pdf` — the payment authorisation of the launch;
- `GET /pagar/bordero.pdf?codes=1&codes=2` or `?data_baixa=2026-12-05[&empresa=1]` — the borderô of
  the listed installments / of the write-offs of a day (`bordero.bordero` + `printing.bordero_pdf`).

Permission: any payables permission (as the list). A user bound to a company
(`app_user.company_id`) gets only that company's documents (403 otherwise). Refusals of the
services (no write-off, deleted invoice…) are the kernel's 400 page with the pt-BR reason.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from core.errors import ValidationError
from plugins.payables.web import require_any_payables

RECEIPT_URL = "/pagar/baixas/{writeoff_id}/recibo.pdf"
AUTHORISATION_URL = "/pagar/lancamentos/{invoice_id}/autorizacao.pdf"
BORDERO_URL = "/pagar/bordero.pdf"
CHEQUE_URL = "/pagar/baixas/{writeoff_id}/cheque.pdf"

router = APIRouter()


def receipt_url(writeoff_id: int) -> str:
    return RECEIPT_URL.format(writeoff_id=writeoff_id)


def authorisation_url(invoice_id: int) -> str:
    return AUTHORISATION_URL.format(invoice_id=invoice_id)


def _pdf(content: bytes, filename: str) -> Response:
    return Response(content, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "no-store"})


def _own_company(user, company_id: int) -> None:
    bound = getattr(user, "company_id", None)
    if bound is not None and bound != company_id:
        raise HTTPException(status_code=403, detail="Documento de outra empresa.")


def _own_row(session, user, model, row_id: int, missing: str):
    """The row `row_id` of `model` (404 `missing` when absent) of the user's company (403 otherwise)."""
    row = session.get(model, row_id)
    if row is None:
        raise HTTPException(status_code=404, detail=missing)
    _own_company(user, row.company_id)
    return row


def _receipt(runtime, user, writeoff_id: int) -> bytes:
    from core.db import unit_of_work
    from plugins.payables.models import PayableWriteOff
    from plugins.payables.printing import writeoff_receipt_pdf

    with unit_of_work(runtime.engine, readonly=True) as s:
        wo = _own_row(s, user, PayableWriteOff, writeoff_id, "Baixa não encontrada.")
        if wo.reversed:
            raise ValidationError("Esta baixa foi estornada: não há recibo.", field="writeoff")
        return writeoff_receipt_pdf(s, writeoff_id)


def _cheque(runtime, user, writeoff_id: int, nominal: bool) -> bytes:
    from core.db import unit_of_work
    from plugins.payables.cheque_print import cheque_pdf
    from plugins.payables.models import PayableWriteOff

    with unit_of_work(runtime.engine, readonly=True) as s:
        _own_row(s, user, PayableWriteOff, writeoff_id, "Baixa não encontrada.")
        return cheque_pdf(s, writeoff_id, runtime=runtime, nominal=nominal)


def _authorisation(runtime, user, invoice_id: int) -> bytes:
    from core.db import unit_of_work
    from plugins.payables.models import PayableInvoice
    from plugins.payables.printing import payment_authorisation_pdf

    with unit_of_work(runtime.engine, readonly=True) as s:
        _own_row(s, user, PayableInvoice, invoice_id, "Lançamento não encontrado.")
        return payment_authorisation_pdf(s, invoice_id)


def _bordero(runtime, user, params) -> bytes:
    from core.db import unit_of_work
    from core.parties.search import parse_date
    from plugins.payables.bordero import bordero
    from plugins.payables.cli_support import company_id as company_by_key
    from plugins.payables.printing import bordero_pdf

    codes = []
    for raw in params.getlist("codes"):
        for part in raw.split(","):
            if part.strip():
                if not part.strip().isdigit():
                    raise ValidationError(f"Fatura inválida no borderô: {part.strip()}.", field="codes")
                codes.append(int(part))
    paid_on = parse_date(params.get("data_baixa") or None, "data_baixa")
    with unit_of_work(runtime.engine, readonly=True) as s:
        company_id = getattr(user, "company_id", None) or company_by_key(s, params.get("empresa") or None)
        return bordero_pdf(s, bordero(s, company_id=company_id, codes=codes or None, paid_on=paid_on))


@router.get(RECEIPT_URL, include_in_schema=False)
async def receipt_pdf(request: Request, writeoff_id: int, user=Depends(require_any_payables)):
    content = await run_in_threadpool(_receipt, request.app.state.runtime, user, writeoff_id)
    return _pdf(content, f"recibo-baixa-{writeoff_id}.pdf")


@router.get(CHEQUE_URL, include_in_schema=False)
async def cheque_pdf_page(request: Request, writeoff_id: int, user=Depends(require_any_payables)):
    nominal = request.query_params.get("nominal", "1") not in ("0", "nao", "false")
    content = await run_in_threadpool(_cheque, request.app.state.runtime, user, writeoff_id, nominal)
    return _pdf(content, f"cheque-baixa-{writeoff_id}.pdf")


@router.get(AUTHORISATION_URL, include_in_schema=False)
async def authorisation_pdf(request: Request, invoice_id: int, user=Depends(require_any_payables)):
    content = await run_in_threadpool(_authorisation, request.app.state.runtime, user, invoice_id)
    return _pdf(content, f"autorizacao-pagamento-{invoice_id}.pdf")


@router.get(BORDERO_URL, include_in_schema=False)
async def bordero_pdf_page(request: Request, user=Depends(require_any_payables)):
    content = await run_in_threadpool(_bordero, request.app.state.runtime, user, request.query_params)
    return _pdf(content, "bordero-pagamento.pdf")
