"""Parâmetro "Lançamento Efetivado" (Baixar Pagamento, Notas): «Para habilitar a opção "Lançamento
efetivado/compensado" acesse … Financeiro > grupo Outros, parâmetro "Lançamento Efetivado".» — off
(the default), the write-off refuses the option on its field (service, dialog, CLI); on, it is kept."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.actions import preview_action, run_action
from core.db import unit_of_work
from core.errors import ValidationError
from plugins.payables.installment_actions import WRITE_OFF
from plugins.payables.models import PayableWriteOff
from plugins.payables.tests.payables_writeoff_world import cli, inst, make, rt, seed_writeoff  # noqa: F401
from plugins.payables.writeoff import EFFECTIVE_ENTRY_OFF, WriteOffRequest, preview_writeoff, write_off
from tests.cli_runner import cli_invoker

PAID_ON = date(2026, 12, 5)


def test_off_by_default_refused_everywhere(rt, cli):
    ww = seed_writeoff(rt.engine, rt)
    req = WriteOffRequest(paid_on=PAID_ON, cheque_number="000123", cheque_cleared=True)
    with unit_of_work(rt.engine, readonly=True) as s, pytest.raises(ValidationError) as exc:
        preview_writeoff(s, inst(s, 1), req, runtime=rt)
    assert exc.value.field == "cheque_cleared" and str(exc.value) == EFFECTIVE_ENTRY_OFF
    assert "parâmetro \"Lançamento Efetivado\" habilitado" in EFFECTIVE_ENTRY_OFF
    with unit_of_work(rt.engine, readonly=True) as s:
        first = inst(s, 1).id
    params = {"paid_on": "05/12/2026", "cheque_number": "000123", "cheque_cleared": "on"}
    preview = preview_action(rt, WRITE_OFF, [first], params, ww.w.admin)
    assert [b.message for b in preview.refused[first]] == [EFFECTIVE_ENTRY_OFF]
    assert run_action(rt, WRITE_OFF, [first], params, ww.w.admin).done == []
    out = cli("pagar", "baixar", "--fatura", "1", "--data", "05/12/2026", "--cheque", "000123", "--compensado")
    assert out.exit_code == 2 and "Lançamento Efetivado" in out.output and "(campo: cheque_cleared)" in out.output
    with unit_of_work(rt.engine, readonly=True) as s:
        assert s.scalar(select(PayableWriteOff.id)) is None  # nothing written
        # without the option the cheque alone is accepted
        assert preview_writeoff(s, inst(s, 1), WriteOffRequest(paid_on=PAID_ON, cheque_number="000123"),
                                runtime=rt).paid > 0


def test_on_the_option_is_kept(make, database_url, tmp_path, monkeypatch):
    on = make(lancamento_efetivado=True)  # the manual's name of the parameter
    seed_writeoff(on.engine, on)
    with unit_of_work(on.engine) as s:
        wo = write_off(s, inst(s, 1), WriteOffRequest(paid_on=PAID_ON, cheque_number="000123", cheque_cleared=True),
                       runtime=on)
        assert (wo.cheque_number, wo.cheque_cleared) == ("000123", True)
        with pytest.raises(ValidationError) as exc:  # still needs the cheque number
            preview_writeoff(s, inst(s, 2), WriteOffRequest(paid_on=PAID_ON, cheque_cleared=True), runtime=on)
        assert exc.value.field == "cheque_number"
    run = cli_invoker(on, database_url, tmp_path, monkeypatch, ["payables"],
                      {"payables": {"lancamento_efetivado": "true"}})
    out = run("pagar", "baixar", "--fatura", "2", "--data", "05/12/2026", "--cheque", "000124", "--compensado",
              "--json")
    assert out.exit_code == 0, out.output
    with unit_of_work(on.engine, readonly=True) as s:
        assert s.scalars(select(PayableWriteOff.cheque_cleared).order_by(PayableWriteOff.id)).all() == [True, True]
