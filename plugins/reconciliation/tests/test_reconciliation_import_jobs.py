"""A big OFX import as a `core.jobs` job in parts of whole days: the lines stored are exactly the
inline import's (repeated FITIDs, identical lines of a day), a part lost in a crash is redone without
duplicating, re-import adds nothing, the page polls the progress until the report, the CLI prints the
progress on stderr."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from core.db import unit_of_work
from core.jobs import run_one
from core.models.jobs import Job, JobChunk
from core.runtime import bootstrap
from core.web.app import create_app
from plugins.reconciliation.bench import generate_ofx
from plugins.reconciliation.models import StatementLine
from plugins.reconciliation.statement_import import import_statement
from plugins.reconciliation.statement_jobs import (day_parts, import_progress, run_import_chunk, submit_statement,
                                                   work_import)
from plugins.reconciliation import statement_jobs
from plugins.reconciliation.ofx import parse_ofx
from plugins.reconciliation.tests.ofx_files import company_accounts
from tests.browser.uisupport import add_user, csrf_of, login
from tests.cli_runner import cli_invoker
from tests.conftest import make_config
from tests.worldkit import runtime_maker

FIXTURES = Path(__file__).parent / "fixtures" / "ofx"
ENABLED = ["receivables", "reconciliation"]
SETTINGS = {"reconciliation": {"ofx_job_threshold": 50, "ofx_chunk_size": 100}}
CHART = (("1.1.1.01", "Banco Itaú", "bank"), ("1.1.1.02", "Banco Inter", "bank"), ("1.1.1.03", "Banco Inter 2", "bank"))


@pytest.fixture
def rt(database_url):
    with runtime_maker(bootstrap) as make:
        yield make(make_config(database_url, enabled=ENABLED, plugin_settings=SETTINGS))


@pytest.fixture
def banks(rt):
    return company_accounts(CHART)


def _submit(rt, data: bytes, name: str, bank_id: int | None = None, **kw):
    with unit_of_work() as s:
        return submit_statement(s, rt, data, name, bank_account_id=bank_id, **kw)


def _stored(bank_id: int) -> list[tuple]:
    with unit_of_work(readonly=True) as s:
        return sorted(s.execute(select(StatementLine.fitid, StatementLine.fingerprint, StatementLine.occurrence,
                                       StatementLine.posted_on, StatementLine.amount, StatementLine.file_line)
                                .where(StatementLine.bank_account_id == bank_id)).all())


def _upload(client, page_url: str, post_url: str, bank_id: int, days: int):
    """Log in as "gerente", open `page_url` and post a generated "grande.ofx" of `days` days to `post_url`
    for the bank account; (page, answer)."""
    login(client, "gerente")
    page = client.get(page_url)
    answer = client.post(post_url, data={"csrf_token": csrf_of(page.text), "bank_account_id": str(bank_id)},
                         files={"file": ("grande.ofx", generate_ofx(days), "application/x-ofx")})
    assert answer.status_code == 200, answer.text
    return page, answer


def _job_file_id() -> int:
    """The statement file of the (only) OFX import job."""
    with unit_of_work(readonly=True) as s:
        return s.scalar(select(Job.params).where(Job.kind == "reconciliation.ofx_import"))["file_id"]


def _poll_until_done(client, file_id: int, running=None):
    """Poll the job's progress fragment as the page's htmx does until it says done (60 s at most);
    `running(fragment)` checks each fragment shown while the job runs. Returns the last fragment."""
    url = f"/conciliacao/extratos/importacoes/{file_id}/progresso"
    deadline = time.monotonic() + 60
    while True:
        fragment = client.get(url)
        assert fragment.status_code == 200
        if "data-extrato-job-done" in fragment.text or time.monotonic() > deadline:
            return fragment
        if running is not None:
            running(fragment)
        time.sleep(0.1)


def test_parts_are_whole_days():
    txns = parse_ofx(generate_ofx(730), "x.ofx").accounts[0].transactions  # two lines a day
    parts = day_parts(txns, 3)
    assert parts[0] == (0, 4) and parts[-1][1] == 730  # 3 lines reached mid-day: the day's 4th line goes with it
    ordered = sorted(txns, key=lambda t: t.date)
    for a, b in parts[1:]:
        assert ordered[a].date != ordered[a - 1].date
    assert day_parts(txns, 10_000) == [(0, 730)]


def test_job_stores_exactly_what_the_inline_import_stores(rt, banks):
    """Inter: every line of a day has the same FITID, and two real lines are identical. The same file
    (another account number) inline into one bank account and as a job of one-day parts into another."""
    inter = (FIXTURES / "inter_2021_like_duplicate_fitid.ofx").read_bytes()
    other = inter.replace(b"<ACCTID>12345678", b"<ACCTID>87654321")
    with unit_of_work() as s:
        import_statement(s, inter, "inter.ofx", bank_account_id=banks["1.1.1.02"])
    sub = _submit(rt, other, "inter2.ofx", banks["1.1.1.03"], threshold=0, chunk_size=1)
    assert sub.job_id is not None and sub.report is None
    with unit_of_work(readonly=True) as s:
        parts = s.scalar(select(Job.total_chunks).where(Job.id == sub.job_id))
    assert parts > 1
    assert work_import(rt, sub.job_id) == parts
    inline, by_job = _stored(banks["1.1.1.02"]), _stored(banks["1.1.1.03"])
    assert len(inline) == 12 and [r[:5] for r in by_job] == [r[:5] for r in inline]
    with unit_of_work(readonly=True) as s:
        p = import_progress(s, sub.file_id)
    assert (p["finished"], p["read"], p["lines"], p["new"], p["already_imported"]) == (True, 12, 12, 12, 0)
    assert p["report"]["accounts"][0]["linked_now"] is True and p["report"]["accounts"][0]["new"] == 12
    # the same file again, as a job: nothing new
    again = _submit(rt, other, "inter2-de-novo.ofx", threshold=0, chunk_size=1)
    work_import(rt, again.job_id)
    with unit_of_work(readonly=True) as s:
        p = import_progress(s, again.file_id)
    assert (p["new"], p["already_imported"], p["report"]["accounts"][0]["linked_now"]) == (0, 12, False)
    assert _stored(banks["1.1.1.03"]) == by_job


def test_a_part_lost_in_a_crash_is_redone_without_duplicates(rt, banks):
    data = generate_ofx(730)  # 730 lines, two a day; parts of 100 (whole days) ⇒ 8 parts
    sub = _submit(rt, data, "grande.ofx", banks["1.1.1.01"])
    assert sub.job_id is not None and sub.lines == 730
    assert run_one(rt, job_id=sub.job_id)  # part 1 committed
    with unit_of_work(readonly=True) as s:
        p = import_progress(s, sub.file_id)
        assert (p["read"], p["new"], p["finished"], p["status"], p["report"]) == (100, 100, False, "running", None)
        job = s.get(Job, sub.job_id)
        params = dict(job.params)
        second = s.scalar(select(JobChunk.payload).where(JobChunk.job_id == job.id, JobChunk.seq == 1))
    # part 2 dies with its process before the commit: all of it rolls back
    with pytest.raises(KeyboardInterrupt), unit_of_work() as s:
        assert run_import_chunk(s, params, second)["new"] == 100
        raise KeyboardInterrupt
    with unit_of_work(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(StatementLine)) == 100
        assert import_progress(s, sub.file_id)["read"] == 100
    statement_jobs._CACHE.clear()  # a new process: the parts left read the stored bytes again
    assert work_import(rt, sub.job_id) == 7
    with unit_of_work(readonly=True) as s:
        p = import_progress(s, sub.file_id)
        assert s.scalar(select(func.count()).select_from(StatementLine)) == 730
    assert (p["finished"], p["read"], p["new"], p["already_imported"], p["percent"]) == (True, 730, 730, 0, 100)
    # a part run twice (a worker that lost its claim after committing the lines): the key refuses
    # nothing and stores nothing more — its lines are "already imported"
    with pytest.raises(RuntimeError), unit_of_work() as s:
        assert run_import_chunk(s, params, second) == {"read": 100, "new": 0, "already": 100, "restored": 0}
        raise RuntimeError("rolled back")
    # deleted lines come back through a job import too
    with unit_of_work() as s:
        s.execute(update(StatementLine).where(StatementLine.id.in_(
            select(StatementLine.id).order_by(StatementLine.id).limit(5).scalar_subquery())).values(deleted=True))
    again = _submit(rt, data, "grande-de-novo.ofx")
    work_import(rt, again.job_id)
    with unit_of_work(readonly=True) as s:
        p = import_progress(s, again.file_id)
        assert s.scalar(select(func.count()).select_from(StatementLine)) == 730
    assert (p["new"], p["already_imported"], p["restored"]) == (0, 725, 5)


def test_small_file_is_imported_inline(rt, banks):
    sub = _submit(rt, generate_ofx(50), "pequeno.ofx", banks["1.1.1.01"])  # = threshold: inline
    assert sub.job_id is None and sub.report["accounts"][0]["new"] == 50
    with unit_of_work(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Job)) == 0


def test_page_shows_the_progress_then_the_report(rt, banks):
    add_user(rt.engine, "gerente", admin=True)
    with TestClient(create_app(rt)) as client:
        _page, answer = _upload(client, "/conciliacao/extratos", "/conciliacao/extratos", banks["1.1.1.01"], 365)
        assert "data-extrato-job-done" in answer.text or "data-extrato-progress" in answer.text
        file_id = _job_file_id()
        url = f"/conciliacao/extratos/importacoes/{file_id}/progresso"

        def running(fragment):
            assert f'hx-get="{url}"' in fragment.text and "de 365 lançamento(s) lidos" in fragment.text

        fragment = _poll_until_done(client, file_id, running)
        assert "Extrato grande.ofx importado." in fragment.text and "<span data-novos>365</span>" in fragment.text
        assert "(vinculada agora)" in fragment.text and "hx-get" not in fragment.text
        again = client.get(f"/conciliacao/extratos/importacoes/{file_id}")
        assert again.status_code == 200 and "data-extrato-job-done" in again.text
        assert client.get("/conciliacao/extratos/importacoes/9999/progresso").status_code == 404


def test_cli_prints_progress_on_stderr(rt, banks, database_url, tmp_path, monkeypatch):
    cli = cli_invoker(rt, database_url, tmp_path, monkeypatch, ENABLED,
                      {"reconciliation": {"ofx_job_threshold": 50, "ofx_chunk_size": 40}})
    path = tmp_path / "grande.ofx"
    path.write_bytes(generate_ofx(120))
    out = cli("ofx", "import", str(path), "--account", "1.1.1.01", "--json")
    assert out.exit_code == 0, out.output
    assert "Extrato com 120 lançamentos: importando em partes" in out.output
    assert "Extrato grande.ofx: 40 de 120 lançamentos lidos; novos: 40; já importados: 0" in out.output
    assert "Extrato grande.ofx: 120 de 120 lançamentos lidos; novos: 120" in out.output
    report = json.loads(out.output.splitlines()[-1])
    assert report["accounts"][0]["new"] == 120 and report["filename"] == "grande.ofx"
    assert len(_stored(banks["1.1.1.01"])) == 120


def test_bank_accounts_upload_of_a_big_file_then_the_automatic_pass(rt, banks):
    """"Conciliador bancário" → big file: the job's progress, then "Conciliação automática e abrir o
    conciliador" runs the automatic pass over the file's period and opens the reconciler."""
    add_user(rt.engine, "gerente", admin=True)
    with TestClient(create_app(rt)) as client:
        page, answer = _upload(client, "/conciliacao/contas", "/conciliacao/contas/extrato", banks["1.1.1.01"], 200)
        assert "data-rc-contas" in answer.text and 'id="extrato-status"' in answer.text
        file_id = _job_file_id()
        fragment = _poll_until_done(client, file_id)
        assert f'action="/conciliacao/contas/extrato/{file_id}/automatica"' in fragment.text
        opened = client.post(f"/conciliacao/contas/extrato/{file_id}/automatica", data={"csrf_token": csrf_of(page.text)})
        assert opened.status_code == 200, opened.text
        assert "Extrato grande.ofx importado." in opened.text and "conciliados: 0" in opened.text
        assert "data-rc-lines" in opened.text and opened.text.count("data-line=") == 200
    with unit_of_work(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(StatementLine)) == 200


def test_a_job_not_finished_is_not_matched(rt, banks):
    sub = _submit(rt, generate_ofx(200), "grande.ofx", banks["1.1.1.01"])
    add_user(rt.engine, "gerente", admin=True)
    with TestClient(create_app(rt)) as client:
        token = login(client, "gerente")
        refused = client.post(f"/conciliacao/contas/extrato/{sub.file_id}/automatica", data={"csrf_token": token})
        assert refused.status_code == 400
        assert "A importação de grande.ofx ainda não terminou (0 de 200 lançamentos lidos)." in refused.text
