"""Remessa states and invoice marks (manual "Painel do Cliente"): a generated remessa leaves its
invoices "aguardando efetivação" (blocked, suspension warned), the operator marks it transmitted
(receivables' "remessa transmitida") or discards it (invoices and instructions go in the next one,
the NSA stays used); "Remover marcação de remessa gerada" / "… transmitida" release an invoice for
the next remessa; retorno: entrada confirmada marks, entrada rejeitada releases."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core.actions import preview_action, run_action
from core.db import unit_of_work
from core.errors import ValidationError
from core.models.reasons import Reason
from core.parties.models import Party
from plugins.bank_profiles.models import Boleto
from plugins.bank_profiles.remessa import NadaAEnviar, gerar_remessa
from plugins.bank_profiles.remessa_marks import descartar, transmitir
from plugins.bank_profiles.remessa_models import Remessa, RemessaInstrucao, RemessaItem
from plugins.bank_profiles.retorno import importar_retorno
from plugins.bank_profiles.retorno_models import RetornoItem
from plugins.bank_profiles.tests.profiles_world import ITAU, seed
from plugins.bank_profiles.tests.retorno_files import build_retorno
from plugins.receivables.billing import run_billing
from plugins.receivables.invoice_log import InvoiceRemessaMark
from plugins.receivables.models import Invoice
from plugins.receivables.tests.conftest import Factory
from tests.worldkit import add_accounts

CPFS = ["52998224725", "11144477735", "12345678909"]
ITAU_HEADER = {"agencia": "1234", "conta": "56789", "conta_dv": "0"}


@pytest.fixture
def world(runtime):
    company, (pid,), _c = seed(Factory, contracts=3, profiles=(ITAU,))
    with unit_of_work() as s:
        for p, doc in zip(s.scalars(select(Party).order_by(Party.id)), CPFS):
            p.document = doc
        s.add(Reason(kind="exclusao_fatura", code="DUP", description="Fatura duplicada"))
        s.add(Reason(kind="suspensao_fatura", code="NEG", description="Negociação"))
    assert run_billing(runtime, "2026-12")["invoices_created"] == 3
    from core.auth import create_user

    with unit_of_work() as s:
        admin = create_user(s, "gerente", "senha-forte-123", is_admin=True)
        ids = list(s.scalars(select(Invoice.id).order_by(Invoice.id)))
        numbers = {i: s.get(Invoice, i).number for i in ids}
    return {"company": company, "profile": pid, "admin": admin, "ids": ids, "numbers": numbers}


def _generate(pid) -> tuple[int, int, list[int]]:
    with unit_of_work() as s:
        r = gerar_remessa(s, pid, user="op")
        items = s.scalars(select(RemessaItem.invoice_id).where(RemessaItem.remessa_id == r.id)
                          .order_by(RemessaItem.invoice_id))
        return r.id, r.nsa, list(items)


def _transmitted(ids) -> list[bool]:
    with unit_of_work(readonly=True) as s:
        return [s.get(Invoice, i).remessa_transmitted for i in ids]


def test_generated_remessa_blocks_warns_and_transmission_marks(runtime, world):
    pid, admin, ids, numbers = world["profile"], world["admin"], world["ids"], world["numbers"]
    rid, nsa, sent = _generate(pid)
    assert (nsa, sent, _transmitted(ids)) == (1, ids, [False] * 3)
    remove = run_action(runtime, "receivables.invoice.remove", ids[:1], {"reason": "DUP", "confirmed": True}, admin)
    assert remove.done == [] and [b.message for b in remove.refused[ids[0]]] == [
        "Esta fatura aguarda efetivação de remessa"]
    alter = run_action(runtime, "receivables.invoice.alter", ids[1:2],
                       {"justification": "pedido", "what": "valor", "new_total": "80.00", "confirmed": True}, admin)
    assert [b.message for b in alter.refused[ids[1]]] == ["Esta fatura aguarda efetivação de remessa"]
    preview = preview_action(runtime, "receivables.invoice.suspend", ids[2:], {"reason": "NEG"}, admin)
    assert [w.message for w in preview.warnings[ids[2]]] == [
        "ATENÇÃO: Suspensão autorizada, porém essa fatura já tem remessa gerada."]
    with pytest.raises(NadaAEnviar):  # awaiting invoices are not sent again
        with unit_of_work() as s:
            gerar_remessa(s, pid)
    with unit_of_work() as s:
        transmitir(s, rid, user=admin)
    assert _transmitted(ids) == [True] * 3
    with unit_of_work(readonly=True) as s:
        r = s.get(Remessa, rid)
        assert (r.estado, r.estado_por) == ("transmitida", "gerente") and r.estado_em is not None
        assert [m.username for m in s.scalars(select(InvoiceRemessaMark))] == ["gerente"] * 3
    with pytest.raises(ValidationError, match="está transmitida; só uma remessa gerada"):
        with unit_of_work() as s:
            transmitir(s, rid)
    # receivables' "Remover marcação de remessa transmitida" puts the invoice in the next remessa
    out = run_action(runtime, "receivables.invoice.unmark_remessa", ids[:1], {}, admin)
    assert out.done == ids[:1]
    assert _generate(pid)[1:] == (2, ids[:1])


def test_discarded_remessa_sends_its_invoices_and_instructions_next_and_keeps_the_nsa(runtime, world):
    pid, admin, ids = world["profile"], world["admin"], world["ids"]
    first, _nsa, _sent = _generate(pid)
    with unit_of_work() as s:
        transmitir(s, first)
    out = run_action(runtime, "bank_profiles.instrucao.concessao_abatimento", ids[:1], {"valor": "10,00"}, admin)
    assert out.done == ids[:1], out
    run_billing(runtime, "2027-01")  # three new invoices
    rid, nsa, sent = _generate(pid)
    assert nsa == 2 and len(sent) == 4  # 3 entradas + the abatimento
    with unit_of_work() as s:
        descartar(s, rid, user="op")
    with unit_of_work(readonly=True) as s:
        assert s.scalar(select(RemessaInstrucao.remessa_id)) is None  # back in the queue
        assert s.get(Remessa, rid).estado == "descartada"
    again, nsa3, sent3 = _generate(pid)
    assert (nsa3, sent3) == (3, sent)  # NSA 2 is not reused; the same títulos go out
    with unit_of_work(readonly=True) as s:
        assert s.scalar(select(RemessaInstrucao.remessa_id)) == again
        assert s.scalar(select(func.count()).select_from(Remessa)) == 3


def test_release_awaiting_invoice_puts_it_in_the_next_remessa(runtime, world):
    pid, admin, ids, numbers = world["profile"], world["admin"], world["ids"], world["numbers"]
    rid, _nsa, _sent = _generate(pid)
    out = run_action(runtime, "bank_profiles.remessa.liberar", ids[:1], {}, admin)
    assert out.done == ids[:1], out
    again = run_action(runtime, "bank_profiles.remessa.liberar", ids[:1], {}, admin)
    assert [b.message for b in again.refused[ids[0]]] == [
        f"A fatura {numbers[ids[0]]} não aguarda transmissão de remessa."]
    assert _generate(pid)[1:] == (2, ids[:1])
    with unit_of_work() as s:  # the first file is transmitted anyway: the released invoice is not marked by it
        transmitir(s, rid)
    assert _transmitted(ids) == [False, True, True]


def test_retorno_entrada_confirmada_marks_and_rejeitada_releases(runtime, world):
    pid, ids = world["profile"], world["ids"]
    rid, _nsa, _sent = _generate(pid)  # generated, never marked by the operator
    with unit_of_work(readonly=True) as s:
        nns = {s.scalar(select(Boleto.nosso_numero).where(Boleto.invoice_id == i)): i for i in ids}
    confirmed = dict(nosso_numero=min(nns), carteira=109, ocorrencia_codigo="02", data_ocorrencia=date(2026, 12, 2))
    rejected = dict(nosso_numero=max(nns), carteira=109, ocorrencia_codigo="03", data_ocorrencia=date(2026, 12, 2),
                    motivos="08000000")
    with unit_of_work() as s:
        add_accounts(s, world["company"], (("4.1.01", "Tarifas bancárias", "expense"),))  # retorno: bank fees
    with unit_of_work() as s:
        importar_retorno(s, build_retorno("itau_400", ITAU_HEADER, [confirmed, rejected]), "r.ret", runtime=runtime)
    first, last = nns[min(nns)], nns[max(nns)]
    with unit_of_work(readonly=True) as s:
        assert s.get(Invoice, first).remessa_transmitted is True  # the bank has it
        assert s.get(Invoice, last).remessa_transmitted is False
        item = s.scalar(select(RemessaItem).where(RemessaItem.invoice_id == last))
        assert item.liberado_em is not None and item.liberado_motivo.startswith("Entrada rejeitada pelo banco: 08")
        messages = dict(s.execute(select(RetornoItem.nosso_numero, RetornoItem.message)).all())
    assert any("Marcação de remessa transmitida incluída" in m for m in messages.values())
    assert any(m.endswith("A fatura volta para a próxima remessa.") for m in messages.values())
    assert _generate(pid)[1:] == (2, [last])  # the rejected one goes in the next file
    with unit_of_work() as s:  # transmitting the first file now: the confirmed one is not marked twice
        transmitir(s, rid)
    with unit_of_work(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(InvoiceRemessaMark)
                        .where(InvoiceRemessaMark.invoice_id == first)) == 1


def test_alterar_fatura_of_a_transmitted_invoice_sends_baixa_of_the_old_and_entrada_of_the_new(runtime, world):
    """The manual's path: new due date ⇒ invoice recreated with a new nosso número; the old boleto
    gets a pedido de baixa, the new one goes in as an entrada — both in the next remessa."""
    pid, admin, ids = world["profile"], world["admin"], world["ids"]
    rid, _nsa, _sent = _generate(pid)
    with unit_of_work() as s:
        transmitir(s, rid)
        old_nn = s.scalar(select(Boleto.nosso_numero).where(Boleto.invoice_id == ids[0]))
    out = run_action(runtime, "receivables.invoice.alter", ids[:1],
                     {"justification": "cliente pediu", "what": "vencimento", "due_date": "2027-01-20",
                      "confirmed": True}, admin)
    assert out.done == ids[:1], out
    with unit_of_work() as s:
        r = gerar_remessa(s, pid)
        content = bytes(r.content)
        new_inv = s.scalar(select(Invoice.id).order_by(Invoice.id.desc()))
        new_nn = s.scalar(select(Boleto.nosso_numero).where(Boleto.invoice_id == new_inv))
    from plugins.bank_profiles.cnab.reader import read_remessa

    _layout, parsed, _avisos = read_remessa(content, arquivo="x.rem")
    got = sorted((int(p.values["nosso_numero"]), p.values["movimento"], p.values["vencimento"])
                 for p in parsed if p.record.name == "detalhe_remessa")
    assert new_nn != old_nn
    assert [(nn, mov) for nn, mov, _d in got] == sorted([(old_nn, "02"), (new_nn, "01")])
    assert {nn: d for nn, _m, d in got}[new_nn] == date(2027, 1, 20)
