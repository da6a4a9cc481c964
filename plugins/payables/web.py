"""Payables pages of the host UI (menu "Contas a pagar").

- `GET  /pagar/lancar[?empresa=1]` — "Lançar Pagamento - Contas a Pagar": the manual's fields
  (fornecedor by search, emissão, documento/série, valor total, parcelas, prazo or vencimento fixo,
  forma de pagamento, desconto, histórico, desmembramento da conta débito in up to 10 rows, conta
  crédito, conta de fluxo de caixa, rateio entre centros de custo, observação, categoria);
- `POST /pagar/lancar/previa` (htmx) — the form again with the preview of `preview_launch`: the
  installments (editable: número, vencimento, valor, observação — "Detalhamento das Faturas"), the
  debit splits, the apportionment and the ledger lines; a refusal is shown under its field;
- `POST /pagar/lancar` (htmx) — `launch_invoice` and, in the same unit of work, `edit_installments`
  with what the operator changed in the preview; only the data the preview showed is launched (a
  signature of the form: changed since ⇒ a new preview, nothing written);
- `GET  /pagar/fornecedores?fornecedor_busca=…` — the supplier search (options of the select);
- `GET  /pagar/faturas` — "Faturas a pagar": filters (fornecedor by name, CPF/CNPJ or code, situação,
  vencimento, documento, nosso número/cheque, faixa; "Aprovadas / Aguardando aprovação" with
  `require_approval`) and the installments with the kernel actions "Baixar fatura a pagar" and
  "Estornar baixa" (`installment_actions.py`), the approval column and the documents' links
  (`documents_web.py`: recibo, autorização, borderô);
- `GET  /pagar/lancar?repetir=1` — "Repetir último lançamento": the form with the user's last launch
  (`repeat.py`).

Permissions: the launch needs "Lançamento de faturas"; the list (and its menu item) any payables
permission (each action checks its own). CSRF: the app-wide dependency (htmx sends the header).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Request
from sqlalchemy import or_, select
from starlette.concurrency import run_in_threadpool

from core.errors import ValidationError
from core.web.deps import current_user, require_permission
from core.web.registry import MenuItem
from core.web.templating import add_template_dir, render
from plugins.payables.alter import PERM_ALTER
from plugins.payables.approval import PERM_APPROVE
from plugins.payables.installment_actions import PERM_REVERSE, PERM_WRITE_OFF, installment_action_names
from plugins.payables.models import DUE_MODES, MAX_DEBIT_SPLITS, PAYMENT_FORMS, STATUSES

PERM_LAUNCH = "payables.invoice.launch"
LAUNCH_URL = "/pagar/lancar"
PREVIEW_URL = LAUNCH_URL + "/previa"
SUPPLIERS_URL = "/pagar/fornecedores"
LIST_URL = "/pagar/faturas"
MENU_GROUP = "Contas a pagar"
TEMPLATES = Path(__file__).parent / "templates"
SUPPLIER_RESULTS = 30
RETENTIONS = ("irrf", "pis", "cofins", "csll")
VISIBLE_SPLITS = 3  # debit-split rows shown; the others (up to 10) under "Mais contas débito"
add_template_dir(TEMPLATES)

router = APIRouter()


# "Faturas a pagar" opens with any payables permission (each action checks its own).
LIST_PERMISSIONS = (PERM_LAUNCH, PERM_WRITE_OFF, PERM_REVERSE, PERM_ALTER, PERM_APPROVE)


def menu_items() -> list[MenuItem]:
    return [MenuItem("Lançar pagamento", LAUNCH_URL, group=MENU_GROUP, order=10, permission=PERM_LAUNCH),
            MenuItem("Faturas a pagar", LIST_URL, group=MENU_GROUP, order=20, any_permissions=LIST_PERMISSIONS)]


def require_any_payables(request: Request):
    """Dependency: the user has any payables permission (the list and its documents)."""
    from core.auth import has_permission

    user = current_user(request)
    if not any(has_permission(user, p) for p in LIST_PERMISSIONS):
        raise HTTPException(status_code=403, detail="Você não tem a permissão necessária: contas a pagar")
    return user


# --- the launch form ------------------------------------------------------------------------------

@dataclass
class LaunchForm:
    """What the operator typed (text, as the form sends it) and the refusals per field."""

    values: dict[str, str] = field(default_factory=dict)
    splits: list[tuple[str, str]] = field(default_factory=list)     # (account id, amount) × 10
    centres: dict[str, str] = field(default_factory=dict)           # centre id ⇒ % or value
    edits: dict[int, dict[str, str]] = field(default_factory=dict)  # sequence ⇒ edited installment
    errors: dict[str, str] = field(default_factory=dict)
    error: str | None = None


def read_launch_form(form) -> LaunchForm:
    values = {k: str(v).strip() for k, v in form.items() if not k.startswith(("split_", "cc_", "parc_"))}
    splits = [(str(form.get(f"split_account_{i}") or ""), str(form.get(f"split_amount_{i}") or "").strip())
              for i in range(1, MAX_DEBIT_SPLITS + 1)]
    centres = {k[3:]: str(v).strip() for k, v in form.items() if k.startswith("cc_") and str(v).strip()}
    edits: dict[int, dict[str, str]] = {}
    for k, v in form.items():
        parts = k.split("_", 2)
        if len(parts) == 3 and parts[0] == "parc" and parts[1].isdigit():
            edits.setdefault(int(parts[1]), {})[parts[2]] = str(v).strip()
    return LaunchForm(values, splits, centres, edits)


def signature(f: LaunchForm) -> str:
    """A digest of the launch data (not the installment edits): the preview the operator saw."""
    data = sorted((k, v) for k, v in f.values.items() if k not in ("csrf_token", "signature", "fornecedor_busca"))
    text = repr((data, f.splits, sorted(f.centres.items())))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _int(value: str, field_name: str, label: str) -> int | None:
    if not value:
        return None
    if not value.isdigit():
        raise ValidationError(f"{label}: informe um número inteiro.", field=field_name)
    return int(value)


def launch_request(f: LaunchForm, user):
    """The form ⇒ `LaunchRequest` (ValidationError naming the field for what cannot be read)."""
    from core.parties.search import parse_date
    from plugins.payables.launch import LaunchRequest

    v = f.values
    company_id = _int(v.get("company_id", ""), "company_id", "Empresa")
    supplier_id = _int(v.get("supplier_id", ""), "supplier_id", "Fornecedor")
    if supplier_id is None:
        raise ValidationError("Selecione o fornecedor (pesquise pelo nome, CPF/CNPJ ou código).", field="supplier_id")
    emission = parse_date(v.get("emission_date"), "emission_date")
    if emission is None:
        raise ValidationError("Informe a data de emissão.", field="emission_date")
    splits = [(_int(a, "debit_splits", "Conta débito"), amount) for a, amount in f.splits if a or amount]
    if any(a is None for a, _amount in splits):
        raise ValidationError("Desmembramento: escolha a conta débito de cada valor informado.", field="debit_splits")
    return LaunchRequest(
        company_id=company_id, supplier_id=supplier_id, emission_date=emission,
        launch_date=parse_date(v.get("launch_date"), "launch_date"), total=v.get("total", ""),
        discount=v.get("discount") or "0", installments=_int(v.get("installments", ""), "installments", "Parcelas") or 0,
        term_days=_int(v.get("term_days", ""), "term_days", "Prazo") or 0, due_mode=v.get("due_mode") or "prazo",
        payment_form=v.get("payment_form") or "crediario", document=v.get("document"), series=v.get("series"),
        template_id=_int(v.get("template_id", ""), "template_id", "Histórico"),
        debit_splits=splits if len(splits) > 1 or (splits and splits[0][1]) else [],
        debit_account_id=splits[0][0] if len(splits) == 1 and not splits[0][1] else None,
        credit_account_id=_int(v.get("credit_account_id", ""), "credit_account_id", "Conta crédito"),
        cash_flow_account_id=_int(v.get("cash_flow_account_id", ""), "cash_flow_account_id", "Conta de fluxo"),
        cost_centres=[(int(k), val) for k, val in f.centres.items() if k.isdigit()],
        keep_typed_apportionment=bool(v.get("keep_typed_apportionment")), advance=bool(v.get("advance")),
        order_number=v.get("order_number"), standard_note=v.get("standard_note"), category=v.get("category"),
        create_category=bool(v.get("create_category")), user_id=getattr(user, "id", None),
        service_invoice=bool(v.get("service_invoice")), situation=v.get("situation") or None,
        **{tax: v.get(tax) or None for tax in RETENTIONS})


def buyer_id(session, f: LaunchForm) -> int | None:
    """"Comprador": a person by CPF/CNPJ or code (ValidationError on the field when not found)."""
    from plugins.payables.launch import party_by_key

    key = f.values.get("buyer", "")
    if not key:
        return None
    party = party_by_key(session, key)
    if party is None:
        raise ValidationError(f"Comprador {key} não encontrado (informe o CPF/CNPJ ou o código).", field="buyer_id")
    return party.id


def _request(session, f: LaunchForm, user):
    req = launch_request(f, user)
    req.buyer_id = buyer_id(session, f)
    return req


def installment_edits(f: LaunchForm, invoice) -> list:
    """The installments the operator changed in the preview ("Detalhamento das Faturas")."""
    from core.money import parse_money
    from core.parties.search import parse_date
    from plugins.payables.installment_edit import InstallmentEdit

    out = []
    for p in invoice.parcels:
        typed = f.edits.get(p.sequence)
        if not typed:
            continue
        changes = {}
        if typed.get("number") and typed["number"] != p.number:
            changes["number"] = typed["number"]
        due = parse_date(typed.get("due"), f"parcels.{p.sequence}.due_date")
        if due is not None and due != p.due_date:
            changes["due_date"] = due
        if typed.get("amount"):
            try:
                amount = parse_money(typed["amount"], field="valor")
            except ValueError as exc:
                raise ValidationError(f"Parcela {p.sequence}: {exc}", field="parcels") from None
            if amount != p.amount:
                changes["amount"] = amount
        if (typed.get("note") or None) != (p.note or None):
            changes["note"] = typed.get("note") or None
        if changes:
            out.append(InstallmentEdit(p.sequence, **changes))
    return out


def _field_of(exc: ValidationError) -> str:
    return (exc.field or "__all__").split(".")[0]


def launch_options(session, company_id: int | None, allowed_templates: list[str] | None = None) -> dict:
    """The selects of the form: companies, históricos (only `allowed_templates` codes when given —
    "Lançamento apenas nos Históricos"), analytic accounts, cost centres."""
    from core.ledger.models import Account, AccountingTemplate, CostCentre
    from core.models.company import Company
    from plugins.payables.launch_statuses import statuses_for
    from plugins.payables.models import PAYMENT_FORM_LABELS

    companies = [(c.id, c.trade_name or c.name) for c in session.scalars(select(Company).order_by(Company.id))]
    cid = company_id or (companies[0][0] if companies else None)
    accounts = list(session.scalars(select(Account).where(Account.company_id == cid, Account.active.is_(True),
                                                          Account.is_synthetic.is_(False)).order_by(Account.code)))
    return {
        "companies": companies, "company_id": cid,
        "templates": [(t.id, f"{t.code} - {t.description}") for t in session.scalars(
            select(AccountingTemplate).where(AccountingTemplate.company_id == cid, AccountingTemplate.active.is_(True))
            .order_by(AccountingTemplate.code)) if allowed_templates is None or t.code in allowed_templates],
        "accounts": [(a.id, f"{a.code} - {a.name}") for a in accounts],
        "cash_accounts": [(a.id, f"{a.code} - {a.name}") for a in accounts if a.kind in ("bank", "cash")],
        "centres": [(c.id, f"{c.code} - {c.name}") for c in session.scalars(
            select(CostCentre).where(CostCentre.company_id == cid, CostCentre.active.is_(True)).order_by(CostCentre.code))],
        "payment_forms": PAYMENT_FORMS, "due_modes": DUE_MODES, "max_splits": MAX_DEBIT_SPLITS,
        "launch_statuses": [(st.code, st.name, PAYMENT_FORM_LABELS.get(st.payment_form or "", ""))
                            for st in statuses_for(session)],
    }


def supplier_options(session, term: str, selected: int | None = None) -> list[tuple[int, str]]:
    """Active suppliers whose name, CPF/CNPJ or code match `term` (the selected one always listed)."""
    from core.br.documents import format_document, only_digits
    from core.parties.models import Party
    from plugins.payables.launch import SUPPLIER_CLASSIFICATIONS

    stmt = (select(Party).where(Party.active.is_(True), Party.classification.in_(SUPPLIER_CLASSIFICATIONS))
            .order_by(Party.name).limit(SUPPLIER_RESULTS))
    text = (term or "").strip()
    if text:
        digits = only_digits(text)
        conds = [Party.name.ilike(f"%{text}%")]
        if digits:
            conds.append(Party.document.like(f"{digits}%"))
            if digits == text:
                conds.append(Party.code == int(digits))
        stmt = stmt.where(or_(*conds))
    found = list(session.scalars(stmt))
    if selected and selected not in {p.id for p in found}:
        extra = session.get(Party, selected)
        found = ([extra] if extra is not None else []) + found

    def label(p) -> str:
        try:
            doc = format_document(p.document) if p.document else ""
        except (TypeError, ValueError):
            doc = p.document or ""
        return f"{p.code} - {p.name}" + (f" ({doc})" if doc else "")

    return [(p.id, label(p)) for p in found]


def _form_context(session, f: LaunchForm, user, runtime=None) -> dict:
    from plugins.payables.launch import allowed_template_codes
    from plugins.payables.settings import settings_of

    v = f.values
    company = _safe_int(v.get("company_id")) or getattr(user, "company_id", None)
    allowed = allowed_template_codes(settings_of(runtime), getattr(user, "username", None))
    opts = launch_options(session, company, allowed)
    v.setdefault("company_id", str(opts["company_id"] or ""))
    today = date.today().isoformat()
    for k, default in (("emission_date", today), ("launch_date", today), ("installments", "1"), ("term_days", "30"),
                       ("due_mode", "prazo"), ("payment_form", "crediario")):
        v.setdefault(k, default)
    selected = _safe_int(v.get("supplier_id"))
    splits = f.splits or [("", "")] * MAX_DEBIT_SPLITS
    filled = [i for i, (acc, amount) in enumerate(splits, start=1) if acc or amount]
    return {**opts, "form": f, "v": v, "splits": splits, "retentions": RETENTIONS, "visible_splits": max([VISIBLE_SPLITS] + filled),
            "suppliers": supplier_options(session, v.get("fornecedor_busca", ""), selected),
            "launch_url": LAUNCH_URL, "preview_url": PREVIEW_URL, "suppliers_url": SUPPLIERS_URL}


def _safe_int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


def _preview_view(session, preview) -> dict:
    """The preview with labels: installments, splits, apportionment, entry lines."""
    from core.ledger.models import Account, CostCentre

    def acc(aid):
        a = session.get(Account, aid)
        return f"{a.code} - {a.name}" if a else str(aid)

    def centre(cid):
        c = session.get(CostCentre, cid) if cid else None
        return f"{c.code} - {c.name}" if c else ""

    return {"net": preview.net, "installments": preview.installments, "category_is_new": preview.category_is_new,
            "splits": [(acc(s.account_id), s.amount) for s in preview.debit_splits],
            "apportionment": [(centre(a.cost_centre_id), a.percent, a.amount) for a in preview.apportionment],
            "lines": [(acc(ln.account_id), centre(ln.cost_centre_id), ln.debit, ln.credit) for ln in preview.lines]}


def build_preview(runtime, f: LaunchForm, user) -> dict:
    """The form with the preview of the launch, or with the refusal under its field. Writes nothing."""
    from core.db import unit_of_work
    from plugins.payables.launch import preview_launch

    with unit_of_work(runtime.engine, readonly=True) as s:
        ctx = _form_context(s, f, user, runtime)
        try:
            preview = preview_launch(s, _request(s, f, user), runtime=runtime, user=user)
        except ValidationError as exc:
            f.error, f.errors[_field_of(exc)] = str(exc), str(exc)
            return {**ctx, "preview": None}
        ctx["v"]["signature"] = signature(f)
        return {**ctx, "preview": _preview_view(s, preview)}


def launch(runtime, f: LaunchForm, user) -> dict:
    """Launch what the preview showed; on refusal the form again (nothing written)."""
    from core.db import unit_of_work
    from plugins.payables.installment_edit import edit_installments
    from plugins.payables.launch import launch_invoice

    if f.values.get("signature") != signature(f):
        ctx = build_preview(runtime, f, user)
        if ctx["preview"] is not None:
            ctx["notice"] = "Os dados mudaram depois da prévia: confira a nova prévia e confirme novamente."
        return ctx
    try:
        with unit_of_work(runtime.engine) as s:
            invoice = launch_invoice(s, _request(s, f, user), runtime=runtime, user=user)
            edits = installment_edits(f, invoice)
            if edits:
                edit_installments(s, invoice, edits, user=user)
            invoice_id = invoice.id
    except ValidationError as exc:
        ctx = build_preview(runtime, f, user)
        f.error, f.errors[_field_of(exc)] = str(exc), str(exc)
        return ctx
    with unit_of_work(runtime.engine, readonly=True) as s:
        return {"launched": launched_view(s, invoice_id), "launch_url": LAUNCH_URL, "list_url": LIST_URL}


def launched_view(session, invoice_id: int) -> dict:
    """The confirmation: the invoice, its installments and the ledger entry's lines."""
    from core.ledger.models import Account, CostCentre, JournalLine
    from core.parties.models import Party
    from plugins.payables.models import PayableInvoice

    inv = session.get(PayableInvoice, invoice_id)
    lines = []
    for ln in session.scalars(select(JournalLine).where(JournalLine.entry_id == inv.entry_id).order_by(JournalLine.id)):
        a = session.get(Account, ln.account_id)
        c = session.get(CostCentre, ln.cost_centre_id) if ln.cost_centre_id else None
        lines.append({"account": f"{a.code} - {a.name}", "centre": f"{c.code} - {c.name}" if c else "",
                      "debit": ln.debit, "credit": ln.credit})
    return {"number": inv.number, "entry_id": inv.entry_id, "net": inv.net, "id": inv.id,
            "supplier": session.get(Party, inv.supplier_id).name, "parcels": list(inv.parcels), "lines": lines}


def repeated_form(session, f: LaunchForm, user) -> str:
    """"Repetir último lançamento": `f` filled with the user's last launch (repeat.py); the notice."""
    from plugins.payables.repeat import last_launch_form

    last = last_launch_form(session, getattr(user, "id", None))
    if last is None:
        return "Você ainda não lançou nenhuma fatura a pagar: não há lançamento para repetir."
    f.values.update(last.values)
    f.splits = last.splits + [("", "")] * (MAX_DEBIT_SPLITS - len(last.splits))
    f.centres = dict(last.centres)
    return (f"Dados do lançamento nº {last.number} repetidos (datas de hoje; documento e nº do pedido em branco): "
            "confira e clique em Prévia.")


@router.get(LAUNCH_URL, include_in_schema=False)
async def launch_page(request: Request, user=Depends(require_permission(PERM_LAUNCH))):
    from core.db import unit_of_work

    runtime = request.app.state.runtime
    repeat = bool(request.query_params.get("repetir"))
    f = LaunchForm(values={k: v for k, v in request.query_params.items() if k == "company_id"})

    def ctx():
        with unit_of_work(runtime.engine, readonly=True) as s:
            notice = repeated_form(s, f, user) if repeat else None
            return {**_form_context(s, f, user, runtime), "preview": None, "notice": notice}

    return render(request, "payables/launch.html", **await run_in_threadpool(ctx))


@router.post(PREVIEW_URL, include_in_schema=False)
async def launch_preview(request: Request, user=Depends(require_permission(PERM_LAUNCH))):
    f = read_launch_form(await request.form())
    ctx = await run_in_threadpool(build_preview, request.app.state.runtime, f, user)
    return render(request, "payables/launch_form.html", **ctx)


@router.post(LAUNCH_URL, include_in_schema=False)
async def launch_post(request: Request, user=Depends(require_permission(PERM_LAUNCH))):
    f = read_launch_form(await request.form())
    ctx = await run_in_threadpool(launch, request.app.state.runtime, f, user)
    name = "payables/launched.html" if "launched" in ctx else "payables/launch_form.html"
    return render(request, name, **ctx)


@router.get(SUPPLIERS_URL, include_in_schema=False)
async def supplier_search(request: Request, user=Depends(require_permission(PERM_LAUNCH))):
    from core.db import unit_of_work

    runtime = request.app.state.runtime
    term = request.query_params.get("fornecedor_busca", "")

    def rows():
        with unit_of_work(runtime.engine, readonly=True) as s:
            return supplier_options(s, term)

    return render(request, "payables/supplier_options.html", suppliers=await run_in_threadpool(rows))


# --- the list "Faturas a pagar" -------------------------------------------------------------------

LIST_FILTERS = ("fornecedor", "situacao", "vencimento_de", "vencimento_ate", "documento", "nosso_numero",
                "faixa_de", "faixa_ate", "aprovacao", "status")
APPROVAL_FILTERS = (("aprovadas", "Aprovadas"), ("aguardando", "Aguardando aprovação"))


def list_filter(params, user):
    """The query string ⇒ (InstallmentFilter, the filters as typed)."""
    from core.parties.search import parse_date
    from plugins.payables.writeoff_search import InstallmentFilter

    typed = {k: (params.get(k) or "").strip() for k in LIST_FILTERS}
    if "situacao" not in params:
        typed["situacao"] = "em_aberto"
    f = InstallmentFilter(company_id=getattr(user, "company_id", None), status=typed["situacao"] or None,
                          due_from=parse_date(typed["vencimento_de"], "vencimento_de"),
                          due_to=parse_date(typed["vencimento_ate"], "vencimento_ate"),
                          document=typed["documento"] or None, our_number=typed["nosso_numero"] or None,
                          code_from=_int(typed["faixa_de"], "faixa_de", "Faixa de faturas"),
                          code_to=_int(typed["faixa_ate"], "faixa_ate", "Faixa de faturas"),
                          situation=typed["status"] or None, limit=500)
    if typed["aprovacao"]:
        if typed["aprovacao"] not in dict(APPROVAL_FILTERS):
            raise ValidationError("Aprovação: escolha Aprovadas ou Aguardando aprovação.", field="aprovacao")
        f.approved = typed["aprovacao"] == "aprovadas"
    return f, typed


def supplier_filter(session, f, text: str) -> None:
    """The list's "Fornecedor": CPF/CNPJ or code first; otherwise a part of the name (or trade name)."""
    from plugins.payables.launch import party_by_key

    party = party_by_key(session, text)
    if party is not None:
        f.supplier_id = party.id
    elif any(c.isalpha() for c in text):
        f.supplier_name = text
    else:
        raise ValidationError(f"Fornecedor {text} não encontrado (informe o nome, o CPF/CNPJ ou o código).",
                              field="fornecedor")


def build_list(runtime, params, user) -> dict:
    from core.db import unit_of_work
    from plugins.payables.panels import installment_rows
    from plugins.payables.settings import settings_of
    from plugins.payables.writeoff_search import search_installments

    ctx = {"rows": [], "error": None, "statuses": STATUSES, "list_url": LIST_URL,
           "actions": installment_action_names(runtime), "approval_filters": APPROVAL_FILTERS,
           "show_approval": settings_of(runtime).require_approval, "show_documents": True}
    with unit_of_work(runtime.engine, readonly=True) as s:
        from plugins.payables.launch_statuses import statuses_for

        ctx["launch_statuses"] = [st.name for st in statuses_for(s)]
        try:
            f, typed = list_filter(params, user)
            ctx["typed"] = typed
            if typed["fornecedor"]:
                supplier_filter(s, f, typed["fornecedor"])
            ctx["rows"] = installment_rows(s, search_installments(s, f))
        except ValidationError as exc:
            ctx["error"], ctx["error_field"] = str(exc), exc.field
            ctx.setdefault("typed", {k: (params.get(k) or "") for k in LIST_FILTERS})
    return ctx


@router.get(LIST_URL, include_in_schema=False)
async def list_page(request: Request, user=Depends(require_any_payables)):
    ctx = await run_in_threadpool(build_list, request.app.state.runtime, request.query_params, user)
    return render(request, "payables/installments.html", status_code=400 if ctx["error"] else 200, **ctx)
