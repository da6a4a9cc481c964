"""A retorno import as a `core.jobs` job in parts: a part lost in a crash is redone by the next run
and nothing is applied twice; the page shows the progress (htmx polling) and then the report; the
CLI prints a progress line per part on stderr."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from core.db import unit_of_work
from core.jobs import run_one
from core.ledger.models import JournalEntry
from core.runtime import bootstrap
from core.web.app import create_app
from plugins.bank_profiles.retorno import apply_range, summary
from plugins.bank_profiles.retorno_jobs import import_progress, submit_import, work_import
from plugins.bank_profiles.retorno_models import RetornoImport, RetornoItem
from plugins.bank_profiles.retorno_tarifas import ORIGIN_KIND
from plugins.bank_profiles.tests.retorno_files import build_retorno
from plugins.bank_profiles.tests.test_bank_profiles_retorno_import import (ACCOUNTS, ENABLED, ITAU_HEADER, liquidacao,
                                                                           world)  # noqa: F401
from plugins.receivables.models import INVOICE_SETTLED, Invoice
from plugins.receivables.settlement_models import Settlement
from tests.browser.uisupport import add_user, login
from tests.cli_runner import cli_invoker
from tests.conftest import make_config
from tests.worldkit import runtime_maker

SETTINGS = {"receivables": ACCOUNTS, "bank_profiles": {"retorno_chunk_size": 2}}


@pytest.fixture
def rt(database_url):
    with runtime_maker(bootstrap) as make:
        yield make(make_config(database_url, enabled=ENABLED, plugin_settings=SETTINGS))


def _five_titles() -> bytes:
    """Parts of 2: [1, 2] [3, 77] [1 again] — the repetition of 1 falls in another part."""
    return build_retorno("itau_400", ITAU_HEADER, [liquidacao(1, "99.90"), liquidacao(2, "95.00"),
                                                   liquidacao(3, "99.90"), liquidacao(77, "10.00"),
                                                   liquidacao(1, "99.90")])


def _submit(rt, data: bytes, name: str = "partes.ret") -> tuple[int, int]:
    with unit_of_work() as s:
        imp = submit_import(s, rt, data, name)
        return imp.id, imp.job_id


def test_a_part_lost_in_a_crash_is_redone_and_nothing_is_applied_twice(rt, world):
    import_id, job_id = _submit(rt, _five_titles())
    assert run_one(rt, job_id=job_id)  # part 1 committed
    with unit_of_work(readonly=True) as s:
        p = import_progress(s, import_id)
        assert (p["processados"], p["titulos"], p["finished"], p["percent"]) == (2, 5, False, 40)
        assert s.scalar(select(func.count()).select_from(JournalEntry).where(JournalEntry.origin_kind == ORIGIN_KIND)) == 0
    # part 2 dies with its process before the commit: everything of it is rolled back
    with pytest.raises(KeyboardInterrupt), unit_of_work() as s:
        apply_range(s, import_id, 2, 4, runtime=rt)
        raise KeyboardInterrupt
    with unit_of_work(readonly=True) as s:
        assert s.get(Invoice, world["invoices"][3]).status != INVOICE_SETTLED
        assert s.scalar(select(func.count()).select_from(RetornoItem)) == 2
    # the next run finishes the rest; the part already stored is skipped when asked again
    assert work_import(rt, job_id) == 2
    with unit_of_work() as s:
        assert apply_range(s, import_id, 0, 2, runtime=rt) == {"titulos": 0, "ja_aplicados": 2}
    assert work_import(rt, job_id) == 0
    with unit_of_work(readonly=True) as s:
        report = summary(s, s.get(RetornoImport, import_id))
        assert [i["resultado"] for i in report["itens"]] == ["liquidada", "liquidada", "liquidada", "nao_encontrado",
                                                             "ja_aplicado"]
        assert (report["situacao"], report["processados"], report["liquidados"], report["valor_total"]) == (
            "concluida", 5, 3, "294.80")
        assert report["tarifas"] == "6.00" and len(report["lancamentos_tarifas"]) == 1  # 4 fees; not the repeat
        for nn in (1, 2, 3):
            assert s.scalar(select(func.count()).select_from(Settlement)
                            .where(Settlement.invoice_id == world["invoices"][nn])) == 1


def test_page_shows_the_progress_then_the_report(rt, world):
    add_user(rt.engine, "gerente", admin=True)
    import_id, _job = _submit(rt, _five_titles())
    with TestClient(create_app(rt)) as client:
        login(client, "gerente")
        page = client.get(f"/cobranca/retornos/{import_id}")  # nobody works on it yet: the page starts a thread
        assert page.status_code == 200
        assert f'data-retorno-progress="{import_id}"' in page.text
        assert f'hx-get="/cobranca/retornos/{import_id}/progresso"' in page.text
        assert "0 de 5 título(s) aplicados." in page.text
        deadline = time.monotonic() + 60
        while True:
            fragment = client.get(f"/cobranca/retornos/{import_id}/progresso")
            assert fragment.status_code == 200
            if "data-retorno-report" in fragment.text or time.monotonic() > deadline:
                break
            assert "de 5 título(s) aplicados." in fragment.text
            time.sleep(0.2)
        assert f'data-retorno-report="{import_id}"' in fragment.text and "hx-get" not in fragment.text
        assert fragment.text.count('data-resultado="liquidada"') == 3 and 'data-resultado="ja_aplicado"' in fragment.text
        assert "R$ 6,00" in fragment.text  # fees posted
        assert client.get("/cobranca/retornos/9999/progresso").status_code == 404


def test_cli_applies_in_parts_with_a_progress_line_and_json_keys(rt, world, database_url, tmp_path, monkeypatch):
    cli = cli_invoker(rt, database_url, tmp_path, monkeypatch, ENABLED, SETTINGS)
    path = tmp_path / "partes.ret"
    path.write_bytes(_five_titles())
    out = cli("retorno", "importar", str(path), "--json")
    assert out.exit_code == 0, out.output
    assert "Retorno partes.ret: 2 de 5 títulos aplicados" in out.output
    assert "Retorno partes.ret: 5 de 5 títulos aplicados" in out.output
    report = json.loads(out.output.splitlines()[-1])
    assert {k: report[k] for k in ("titulos", "processados", "situacao", "liquidados", "tarifas")} == {
        "titulos": 5, "processados": 5, "situacao": "concluida", "liquidados": 3, "tarifas": "6.00"}
    assert report["tarefa_id"] is not None and len(report["lancamentos_tarifas"]) == 1
    assert Decimal(report["valor_total"]) == Decimal("294.80")
