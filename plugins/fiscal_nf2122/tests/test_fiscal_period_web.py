"""Page "Arquivos do Convênio 115" through the real web app: generate the period's files, see the
validator's report on the stored files (no error, no warning), download one file and the zip (same
bytes as stored, MD5 as listed), refusals next to their field, the substitute delivery, a file
damaged in the database reported by record and field, permission and menu."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from core.actions import run_action
from core.db import unit_of_work
from core.web.app import create_app
from plugins.fiscal_nf2122.models import FiscalPeriodFile, FiscalPeriodFilePart
from plugins.fiscal_nf2122.period_web import validation_report
from plugins.fiscal_nf2122.tests.fiscal_docs_world import documents, rt, seed  # noqa: F401 (rt: fixture)
from tests.browser.uisupport import add_user, csrf_of, login

URL = "/fiscal/conv115"


@pytest.fixture
def world(rt):
    w = seed(rt)
    assert len(run_action(rt, "fiscal_nf2122.invoice.generate", w.ids, {"confirmed": True}, w.admin).done) == 4
    w.period = documents(rt)[0].period
    add_user(rt.engine, "maria", admin=True)
    add_user(rt.engine, "ana", roles=["atendimento"])
    return w


@pytest.fixture
def client(rt):
    with TestClient(create_app(rt)) as c:
        yield c


def _post(client, **form):
    token = csrf_of(client.get(URL).text)
    return client.post(URL, data={**form, "csrf_token": token})


def test_generate_report_and_download(rt, world, client):
    login(client, "maria")
    page = client.get(URL)
    assert page.status_code == 200 and "Arquivos do Convênio 115" in page.text
    assert "data-no-deliveries" in page.text and f'href="{URL}"' in page.text  # the menu item
    resp = _post(client, company_id=str(world.company_id), period=world.period, model="21", serie="U")
    assert resp.status_code == 200, resp.text
    with unit_of_work(rt.engine, readonly=True) as s:
        (delivery,) = s.scalars(select(FiscalPeriodFile)).all()
        parts = list(s.scalars(select(FiscalPeriodFilePart).order_by(FiscalPeriodFilePart.id)))
        stored = {p.id: (p.name, bytes(p.data), p.md5, p.type) for p in parts}
    assert f'data-conv115-created="{delivery.id}"' in resp.text
    assert 'data-report-errors="0"' in resp.text and 'data-report-warnings="0"' in resp.text
    assert "Nenhum erro e nenhum aviso nos 4 arquivo(s)." in resp.text
    assert sorted(t for _n, _d, _m, t in stored.values()) == ["C", "D", "I", "M"]
    for name, data, md5, _type in stored.values():
        assert name in resp.text and md5 in resp.text and hashlib.md5(data).hexdigest().upper() == md5.upper()
    # totals of the mestre in the report: 99,90 × 3 + 1.000,00; ICMS 25 % of Carla's SCM plan
    assert "R$ 1.299,70" in resp.text and "R$ 250,00" in resp.text
    part_id = next(i for i, v in stored.items() if v[3] == "M")
    download = client.get(f"/fiscal/conv115/arquivos/{part_id}")
    assert download.status_code == 200 and download.content == stored[part_id][1]
    assert download.headers["content-disposition"] == f'attachment; filename="{stored[part_id][0]}"'
    archive = client.get(f"/fiscal/conv115/entregas/{delivery.id}.zip")
    assert archive.status_code == 200 and archive.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.content)) as zf:
        assert {n: zf.read(n) for n in zf.namelist()} == {name: data for name, data, _m, _t in stored.values()}
    # the report again from the list, and the list filtered by period
    again = client.get(f"{URL}?entrega={delivery.id}")
    assert "Relatório do validador — entrega nº" in again.text and 'data-report-errors="0"' in again.text
    assert "data-no-deliveries" in client.get(f"{URL}?periodo=0101").text

    # a second normal delivery is refused next to the period; a substitute one is S01
    refused = _post(client, company_id=str(world.company_id), period=world.period, model="21", serie="U")
    assert refused.status_code == 400 and "já tem arquivo gerado; gere uma entrega substituta" in refused.text
    bad = _post(client, company_id=str(world.company_id), period="2613", model="21", serie="U")
    assert bad.status_code == 400 and "Período &#39;2613&#39; inválido: use AAMM" in bad.text
    assert re.search(r'class="field has-error">\s*<label class="field-label" for="campo-period"', bad.text)
    sub = _post(client, company_id=str(world.company_id), period=world.period, model="21", serie="U", substitute="1")
    assert sub.status_code == 200 and "substituta S01" in sub.text and 'data-report-errors="0"' in sub.text
    assert "N01M.001" in sub.text and "S01M.001" in sub.text


def test_damaged_file_is_reported_by_record_and_field(rt, world):
    from plugins.fiscal_nf2122.period_files import generate_period
    from core.models.company import Company

    with unit_of_work(rt.engine) as s:
        _delivery, files = generate_period(s, s.get(Company, world.company_id), world.period, model=21, serie="U")
    damaged = []
    for f in files:
        data = f.data
        if f.type == "M":  # the 2nd record's valor total (positions 136-147) changed: MD5s no longer match
            lines = data.split(b"\r\n")
            lines[1] = lines[1][:140] + b"9" + lines[1][141:]
            data = b"\r\n".join(lines)
        damaged.append((f.name, data))
    report = validation_report(damaged)
    assert report["errors"] >= 1
    mestre = next(p for p in report["problems"] if p["kind"] == "erro" and p["file"].endswith("M.001"))
    assert mestre["record"] == 2 and mestre["field"]


def test_permission(rt, world, client):
    login(client, "ana")
    assert client.get(URL).status_code == 403
    assert client.get("/fiscal/conv115/arquivos/1").status_code == 403
