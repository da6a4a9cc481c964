"""Generic list and form pages (`/doc/<doctype>`), through the real host app and TestClient."""

from __future__ import annotations

import re
from datetime import date

from core.db import unit_of_work
from core.doctype import service
from core.models.company import Company
from test_doctype_support import (Voucher, company_data, doctype_tables, dt_client, dt_runtime, login,  # noqa: F401
                                  people, voucher_data)


def _field_block(html: str, name: str) -> str:
    """The markup of one form field (from its label/checkbox to the next field)."""
    start = html.index(f'id="campo-{name}"')
    start = html.rfind("<div class=", 0, start)
    end = html.find('<div class="', start + 10)
    return html[start:end if end > 0 else None]


def _seed(runtime, n=3):
    with unit_of_work(runtime.engine) as s:
        alfa = service.create_doc(s, Company, company_data())
        for i in range(n):
            service.create_doc(s, Voucher, voucher_data(title=f"Mensalidade {i}", company_id=alfa.id if i == 0 else None,
                                                        paid=i == 0, kind="saida" if i == 2 else "entrada"))
        return alfa.id


def test_list_page_has_column_filters_and_list_all(dt_client, dt_runtime, people):
    _seed(dt_runtime)
    login(dt_client, "caixa")
    resp = dt_client.get("/doc/test_doctype_voucher")
    assert resp.status_code == 200
    html = resp.text
    assert "<title>Comprovantes · Quita</title>" in html
    for label in ("Descrição", "Valor", "Data de emissão", "Tipo", "Empresa", "Pago", "Situação"):
        assert f">{label}</th>" in html
    for name in ("f_title", "f_amount", "f_issue_date", "f_kind", "f_company_id", "f_paid", "f_docstatus"):
        assert f'name="{name}"' in html
    assert 'name="todos" value="1"' in html and "Listar todos" in html
    assert "R$ 1.234,56" in html and "05/03/2026" in html and "Provedor Alfa Ltda" in html
    assert "Mostrando os 3 mais recentes de 3 registro(s)" in html
    assert html.index("Mensalidade 2") < html.index("Mensalidade 0")  # newest first
    assert 'href="/doc/test_doctype_voucher/novo"' in html  # the cashier may create

    filtered = dt_client.get("/doc/test_doctype_voucher", params={"f_kind": "saida"}).text
    assert "Mensalidade 2" in filtered and "Mensalidade 1" not in filtered and "1 registro(s)" in filtered
    by_text = dt_client.get("/doc/test_doctype_voucher", params={"f_title": "dade 1"}).text
    assert "Mensalidade 1" in by_text and "Mensalidade 0" not in by_text
    bad = dt_client.get("/doc/test_doctype_voucher", params={"f_issue_date": "ontem"})
    assert bad.status_code == 422 and "dd/mm/aaaa" in bad.text


def test_list_all_pages_through_every_record(dt_client, dt_runtime, people):
    with unit_of_work(dt_runtime.engine) as s:
        for i in range(105):
            service.create_doc(s, Voucher, voucher_data(title=f"Registro {i:03d}"))
    login(dt_client, "caixa")
    first = dt_client.get("/doc/test_doctype_voucher").text
    assert "Mostrando os 100 mais recentes de 105" in first and "Registro 104" in first and "Registro 004" not in first
    page1 = dt_client.get("/doc/test_doctype_voucher", params={"todos": "1"}).text
    assert "105 registro(s) · página 1 de 2" in page1 and "pagina=2" in page1
    page2 = dt_client.get("/doc/test_doctype_voucher", params={"todos": "1", "pagina": "2"}).text
    assert len(re.findall(r'<tr data-href=', page2)) == 5


def test_new_form_renders_fields_by_type(dt_client, dt_runtime, people):
    _seed(dt_runtime, n=0)
    login(dt_client, "caixa")
    html = dt_client.get("/doc/test_doctype_voucher/novo").text
    assert 'name="csrf_token"' in html
    title = _field_block(html, "title")
    assert 'type="text"' in title and 'maxlength="40"' in title and 'class="required"' in title
    assert 'inputmode="decimal"' in _field_block(html, "amount")
    assert 'type="date"' in _field_block(html, "issue_date")
    assert 'type="number"' in _field_block(html, "quantity") and 'value="1"' in _field_block(html, "quantity")
    kind = _field_block(html, "kind")
    assert "<select" in kind and '<option value="saida">Saída</option>' in kind
    assert "Provedor Alfa Ltda</option>" in _field_block(html, "company_id")
    assert 'type="checkbox"' in _field_block(html, "paid")
    assert "<textarea" in _field_block(html, "notes")
    assert "/confirmar" not in html  # no transitions before the document exists


def test_create_through_the_form_with_errors_then_success(dt_client, dt_runtime, people):
    token = login(dt_client, "supervisor")
    form = {"csrf_token": token, "title": "", "amount": "12,345", "issue_date": "2026-03-05", "kind": "saida",
            "quantity": "2", "paid": "1", "notes": "primeira tentativa"}
    resp = dt_client.post("/doc/test_doctype_voucher/novo", data=form)
    assert resp.status_code == 422
    html = resp.text
    assert "Corrija os 2 campos indicados abaixo." in html
    assert "O campo «Descrição» é obrigatório." in _field_block(html, "title")
    assert "deve ser um valor em reais" in _field_block(html, "amount")
    assert 'value="12,345"' in _field_block(html, "amount")  # what the operator typed stays
    assert "primeira tentativa</textarea>" in html and "checked" in _field_block(html, "paid")
    with unit_of_work(dt_runtime.engine) as s:
        assert service.list_docs(s, Voucher)[1] == 0

    no_csrf = dt_client.post("/doc/test_doctype_voucher/novo", data={**form, "csrf_token": "forjado"})
    assert no_csrf.status_code == 403

    resp = dt_client.post("/doc/test_doctype_voucher/novo",
                          data={**form, "title": "Compra de cabos", "amount": "1.500,00"}, follow_redirects=False)
    assert resp.status_code == 303
    url = resp.headers["location"]
    assert re.fullmatch(r"/doc/test_doctype_voucher/\d+\?ok=criado", url)
    page = dt_client.get(url).text
    assert "Documento incluído." in page and "Rascunho" in page
    assert 'value="1.500,00"' in _field_block(page, "amount")
    assert "/historico/test_doctype_voucher/" in page
    assert "/confirmar" in page and "/excluir" in page and "/cancelar" not in page
    with unit_of_work(dt_runtime.engine) as s:
        doc = service.list_docs(s, Voucher)[0][0]
        assert (doc.title, str(doc.amount), doc.quantity, doc.paid) == ("Compra de cabos", "1500.00", 2, True)


def test_update_and_transitions_through_buttons(dt_client, dt_runtime, people):
    with unit_of_work(dt_runtime.engine) as s:
        vid = service.create_doc(s, Voucher, voucher_data()).id
    token = login(dt_client, "supervisor")
    base = f"/doc/test_doctype_voucher/{vid}"
    # Saving a draft: an unchecked box is False, fields not sent stay.
    resp = dt_client.post(base, data={"csrf_token": token, "title": "Mensalidade abril", "amount": "99,90",
                                      "kind": "entrada", "quantity": "1", "issue_date": "", "company_id": ""},
                          follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == f"{base}?ok=salvo"
    with unit_of_work(dt_runtime.engine) as s:
        doc = s.get(Voucher, vid)
        assert (doc.title, str(doc.amount), doc.issue_date, doc.paid) == ("Mensalidade abril", "99.90", None, False)

    resp = dt_client.post(f"{base}/confirmar", data={"csrf_token": token}, follow_redirects=False)
    assert resp.headers["location"] == f"{base}?ok=confirmado"
    page = dt_client.get(f"{base}?ok=confirmado").text
    assert "Documento confirmado." in page and f"CPV-{date.today().year}-0001" in page
    assert 'name="title"' not in page and "Mensalidade abril" in page  # read-only now
    assert 'name="paid"' in page and 'name="notes"' in page  # allow_on_submit fields stay editable
    assert "/cancelar" in page and "/excluir" not in page and "/confirmar" not in page

    # Only the fields still editable are read from the form: a forged title is ignored.
    resp = dt_client.post(base, data={"csrf_token": token, "paid": "1", "notes": "quitado", "title": "Forjado"},
                          follow_redirects=False)
    assert resp.status_code == 303
    with unit_of_work(dt_runtime.engine) as s:
        doc = s.get(Voucher, vid)
        assert (doc.paid, doc.notes, doc.title) == (True, "quitado", "Mensalidade abril")

    dt_client.post(f"{base}/cancelar", data={"csrf_token": token})
    page = dt_client.get(base).text
    assert "Cancelado" in page and "/retificar" in page and 'name="paid"' not in page and "/excluir" not in page
    resp = dt_client.post(f"{base}/retificar", data={"csrf_token": token}, follow_redirects=False)
    new_url = resp.headers["location"]
    assert new_url.endswith("?ok=retificado") and not new_url.startswith(f"{base}?")
    page = dt_client.get(new_url).text
    assert f"CPV-{date.today().year}-0001-1" in page and f'href="{base}"' in page  # lineage link
    resp = dt_client.post(f"{base}/confirmar", data={"csrf_token": token})
    assert resp.status_code == 422 and "Somente rascunhos podem ser confirmados" in resp.text

    new_id = int(re.search(r"/(\d+)\?", new_url).group(1))
    resp = dt_client.post(f"/doc/test_doctype_voucher/{new_id}/excluir", data={"csrf_token": token},
                          follow_redirects=False)
    assert resp.headers["location"] == "/doc/test_doctype_voucher?ok=excluido"
    with unit_of_work(dt_runtime.engine) as s:
        assert s.get(Voucher, new_id) is None


def test_rights_shape_the_pages_and_the_server_refuses(dt_client, dt_runtime, people):
    with unit_of_work(dt_runtime.engine) as s:
        vid = service.create_doc(s, Voucher, voucher_data()).id
    token = login(dt_client, "auditor")
    listing = dt_client.get("/doc/test_doctype_voucher").text
    assert "/doc/test_doctype_voucher/novo" not in listing
    page = dt_client.get(f"/doc/test_doctype_voucher/{vid}").text
    assert 'name="title"' not in page and "Salvar" not in page and "/confirmar" not in page and "/excluir" not in page
    resp = dt_client.post(f"/doc/test_doctype_voucher/{vid}", data={"csrf_token": token, "title": "Invadido"})
    assert resp.status_code == 403 and "Você não tem permissão para alterar comprovantes." in resp.text
    assert dt_client.post(f"/doc/test_doctype_voucher/{vid}/excluir", data={"csrf_token": token}).status_code == 403
    assert dt_client.get("/doc/test_doctype_voucher/novo").status_code == 403
    with unit_of_work(dt_runtime.engine) as s:
        assert s.get(Voucher, vid).title == "Mensalidade"
    login(dt_client, "ninguem")
    assert dt_client.get("/doc/test_doctype_voucher").status_code == 403
    assert dt_client.get("/doc/nao_existe").status_code == 404
    assert dt_client.get(f"/doc/test_doctype_voucher/{vid + 100}").status_code in (403, 404)


def test_login_is_required(dt_client):
    resp = dt_client.get("/doc/test_doctype_voucher", follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"].startswith("/login?next=")


def test_company_kernel_doctype_form_for_admin(dt_client, people):
    token = login(dt_client, "admin")
    resp = dt_client.post("/doc/company/novo", data={"csrf_token": token, **company_data(protect_before="31/01/2026")},
                          follow_redirects=False)
    assert resp.status_code == 303
    page = dt_client.get(resp.headers["location"]).text
    assert 'value="2026-01-31"' in _field_block(page, "protect_before")
    assert "Nenhum lançamento contábil pode ser criado" in page  # the field's help text
    listing = dt_client.get("/doc/company").text
    assert "Provedor Alfa Ltda" in listing and 'name="f_cnpj"' in listing


def test_every_registered_doctype_has_working_pages(dt_client, dt_runtime, people):
    """Every document type the kernel and the enabled plugins register renders its list and form."""
    login(dt_client, "admin")
    names = sorted(dt_runtime.registry.doctypes)
    assert {"company", "reason", "test_doctype_voucher"} <= set(names)
    for name in names:
        cls = dt_runtime.registry.doctypes[name]
        listing = dt_client.get(f"/doc/{name}")
        assert listing.status_code == 200, (name, listing.text[:300])
        assert f"<h1>{cls.meta.plural}</h1>" in listing.text
        form = dt_client.get(f"/doc/{name}/novo")
        assert form.status_code == 200, (name, form.text[:300])
        assert dt_client.get(f"/api/doc/{name}").status_code == 200


def test_reason_kinds_come_from_the_registered_kinds(dt_client, dt_runtime, people):
    token = login(dt_client, "admin")
    kind = _field_block(dt_client.get("/doc/reason/novo").text, "kind")
    assert "<select" in kind and '<option value="suspensao">Suspensão</option>' in kind
    resp = dt_client.post("/doc/reason/novo", data={"csrf_token": token, "kind": "inventado", "code": "X",
                                                    "description": "Teste", "active": "1"})
    assert resp.status_code == 422
    assert "O valor «inventado» não é uma opção válida para «Tipo»." in _field_block(resp.text, "kind")
    ok = dt_client.post("/doc/reason/novo", data={"csrf_token": token, "kind": "suspensao", "code": "INAD",
                                                  "description": "Inadimplência", "active": "1"},
                        follow_redirects=False)
    assert ok.status_code == 303
    dup = dt_client.post("/api/doc/reason", json={"kind": "suspensao", "code": "INAD", "description": "Outra"})
    assert dup.status_code == 422
    assert dup.json()["errors"] == {"code": "Já existe motivo com Tipo «suspensao», Código «INAD»."}
    listing = dt_client.get("/doc/reason", params={"f_kind": "suspensao"}).text
    assert "<td>Inadimplência</td>" in listing and "<td>Suspensão</td>" in listing  # the kind's label
