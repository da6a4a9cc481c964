"""REST endpoints generated per document type (`/api/doc/<doctype>`), through the real host app."""

from __future__ import annotations

from datetime import date

from core.db import unit_of_work
from core.doctype import service
from test_doctype_support import (Voucher, company_data, doctype_tables, dt_client, dt_runtime, login,  # noqa: F401
                                  people)

VOUCHER = {"title": "Mensalidade", "amount": "1234.56", "issue_date": "2026-03-05", "kind": "entrada"}


def test_openapi_has_schemas_per_doctype(dt_client):
    spec = dt_client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    for name in ("VoucherIn", "VoucherPatch", "VoucherOut", "VoucherList", "CompanyIn", "CompanyOut", "TagIn"):
        assert name in schemas, name
    v_in = schemas["VoucherIn"]
    assert set(v_in["required"]) == {"title", "amount", "kind"}  # quantity has a default
    assert v_in["properties"]["title"]["title"] == "Descrição"
    assert v_in["properties"]["title"]["maxLength"] == 40
    assert v_in["properties"]["kind"]["enum"] == ["entrada", "saida"]
    assert v_in["properties"]["company_id"]["x-link"] == "company"
    assert v_in["additionalProperties"] is False
    paths = spec["paths"]
    assert set(paths["/api/doc/test_doctype_voucher"]) == {"get", "post"}
    assert set(paths["/api/doc/test_doctype_voucher/{id}"]) == {"get", "patch", "delete"}
    for verb in ("submit", "cancel", "amend"):
        assert "post" in paths[f"/api/doc/test_doctype_voucher/{{id}}/{verb}"]
    assert "/api/doc/company/{id}/submit" not in paths  # Company is not submittable
    params = {p["name"] for p in paths["/api/doc/test_doctype_voucher"]["get"]["parameters"]}
    assert {"limit", "offset", "list_all", "q", "title", "kind", "issue_date", "docstatus"} <= params
    post = paths["/api/doc/test_doctype_voucher"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/VoucherIn")
    assert "422" in post["responses"] and "403" in post["responses"]


def test_crud_round_trip(dt_client, people):
    token = login(dt_client, "supervisor")
    resp = dt_client.post("/api/doc/test_doctype_voucher", json=VOUCHER)
    assert resp.status_code == 201, resp.text
    body = resp.json()
    vid = body["id"]
    assert body["amount"] == "1234.56" and body["issue_date"] == "2026-03-05" and body["quantity"] == 1
    assert body["docstatus"] == 0 and body["status"] == "Rascunho" and body["docname"] is None

    resp = dt_client.patch(f"/api/doc/test_doctype_voucher/{vid}", json={"amount": "10.5", "notes": "ok"})
    assert resp.status_code == 200 and resp.json()["amount"] == "10.50" and resp.json()["notes"] == "ok"
    assert resp.json()["title"] == "Mensalidade"  # fields not sent are kept

    got = dt_client.get(f"/api/doc/test_doctype_voucher/{vid}").json()
    assert got["amount"] == "10.50"
    listing = dt_client.get("/api/doc/test_doctype_voucher", params={"title": "mensal", "kind": "entrada"}).json()
    assert listing["total"] == 1 and listing["items"][0]["id"] == vid
    assert dt_client.get("/api/doc/test_doctype_voucher", params={"kind": "saida"}).json()["total"] == 0

    headers = {"X-CSRF-Token": token}
    sub = dt_client.post(f"/api/doc/test_doctype_voucher/{vid}/submit", headers=headers)
    assert sub.status_code == 200 and sub.json()["docname"] == f"CPV-{date.today().year}-0001"
    assert dt_client.post(f"/api/doc/test_doctype_voucher/{vid}/cancel", headers=headers).json()["docstatus"] == 2
    amend = dt_client.post(f"/api/doc/test_doctype_voucher/{vid}/amend", headers=headers)
    assert amend.status_code == 201 and amend.json()["amended_from"] == vid
    new_id = amend.json()["id"]
    assert dt_client.delete(f"/api/doc/test_doctype_voucher/{new_id}", headers=headers).status_code == 204
    assert dt_client.get(f"/api/doc/test_doctype_voucher/{new_id}").status_code == 404


def test_bodyless_state_changes_need_the_csrf_token(dt_client, people):
    login(dt_client, "supervisor")
    vid = dt_client.post("/api/doc/test_doctype_voucher", json=VOUCHER).json()["id"]
    assert dt_client.post(f"/api/doc/test_doctype_voucher/{vid}/submit").status_code == 403
    assert dt_client.delete(f"/api/doc/test_doctype_voucher/{vid}").status_code == 403
    assert dt_client.get(f"/api/doc/test_doctype_voucher/{vid}").json()["docstatus"] == 0


def test_invalid_input_is_422_with_ptbr_details(dt_client, people):
    login(dt_client, "supervisor")
    # Request validation (types, required, choices, unknown keys) — translated to pt-BR.
    resp = dt_client.post("/api/doc/test_doctype_voucher",
                          json={"amount": "abc", "kind": "troca", "issue_date": "31/02/2026", "cor": "azul",
                                "title": "x" * 41})
    assert resp.status_code == 422
    errors = resp.json()["errors"]
    assert errors["title"] == "O campo «Descrição» aceita no máximo 40 caracteres."
    assert errors["amount"].startswith("O campo «Valor» deve ser um número")
    assert errors["kind"] == "O valor «troca» não é uma opção válida para «Tipo»."
    assert errors["issue_date"] == "O campo «Data de emissão» deve ser uma data válida (aaaa-mm-dd)."
    assert errors["cor"] == "Campo desconhecido: cor"
    resp = dt_client.post("/api/doc/test_doctype_voucher", json={"amount": "1.00", "kind": "entrada"})
    assert resp.status_code == 422 and resp.json()["errors"] == {"title": "O campo «Descrição» é obrigatório."}
    assert resp.json()["detail"] == "O campo «Descrição» é obrigatório."
    resp = dt_client.post("/api/doc/test_doctype_voucher", json={**VOUCHER, "amount": "1.234"})
    assert resp.json()["errors"]["amount"] == "O campo «Valor» aceita no máximo 2 casas decimais."
    # Service validation (links, unique, class rules) — same shape.
    resp = dt_client.post("/api/doc/test_doctype_voucher", json={**VOUCHER, "company_id": 999})
    assert resp.status_code == 422
    assert resp.json()["errors"] == {"company_id": "Empresa 999 não existe (campo «Empresa»)."}
    assert dt_client.post("/api/doc/company", json=company_data()).status_code == 403  # supervisor: no right
    login(dt_client, "admin")
    assert dt_client.post("/api/doc/company", json=company_data()).status_code == 201
    resp = dt_client.post("/api/doc/company", json=company_data(cnpj="11444777000161"))
    assert resp.status_code == 422 and resp.json()["errors"] == {"code": "Já existe empresa com Código «1»."}
    resp = dt_client.get("/api/doc/test_doctype_voucher", params={"issue_date": "ontem"})
    assert resp.status_code == 422 and "issue_date" in resp.json()["errors"]


def test_permissions_and_not_found(dt_client, people, dt_runtime):
    with unit_of_work(dt_runtime.engine) as s:
        vid = service.create_doc(s, Voucher, {**VOUCHER}).id
    # Not logged in: 401 in JSON.
    resp = dt_client.get("/api/doc/test_doctype_voucher")
    assert resp.status_code == 401 and "autenticado" in resp.json()["detail"]
    login(dt_client, "ninguem")
    resp = dt_client.get(f"/api/doc/test_doctype_voucher/{vid}")
    assert resp.status_code == 403 and resp.json()["detail"] == "Você não tem permissão para consultar comprovantes."
    login(dt_client, "auditor")
    assert dt_client.get(f"/api/doc/test_doctype_voucher/{vid}").status_code == 200
    resp = dt_client.patch(f"/api/doc/test_doctype_voucher/{vid}", json={"title": "Outro"})
    assert resp.status_code == 403 and "alterar comprovantes" in resp.json()["detail"]
    resp = dt_client.get("/api/doc/test_doctype_voucher/9999")
    assert resp.status_code == 404 and resp.json()["detail"] == "Comprovante 9999 não encontrado(a)."
    with unit_of_work(dt_runtime.engine) as s:
        assert s.get(Voucher, vid).title == "Mensalidade"
