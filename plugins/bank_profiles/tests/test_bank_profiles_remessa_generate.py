"""Remessa from invoices (`remessa.gerar_remessa`): 3 billed invoices of an Itaú 400 profile ⇒ a
file that reads back with the same títulos, NSA 1 then 2 per profile, nothing sent twice, a value
that does not fit leaves nothing marked nor numbered; generated ⇒ "aguarda efetivação de remessa",
transmitted ⇒ the "remessa transmitida" mark and blockers; the pedido de baixa queue."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.actions import run_action
from core.db import unit_of_work
from core.errors import ValidationError
from core.models.reasons import Reason
from core.numbering import peek_next
from core.parties.models import Party
from plugins.bank_profiles.cnab.reader import read_remessa
from plugins.bank_profiles.models import Boleto, PaymentProfile
from plugins.bank_profiles.remessa import NSA_KIND, NadaAEnviar, gerar_remessa
from plugins.bank_profiles.remessa_marks import transmitir
from plugins.bank_profiles.remessa_models import Remessa, RemessaInstrucao, RemessaItem
from plugins.bank_profiles.tests.profiles_world import ITAU, SICOOB, seed
from plugins.receivables.billing import run_billing
from plugins.receivables.invoice_log import InvoiceRemessaMark
from plugins.receivables.models import INVOICE_OPEN, Invoice
from plugins.receivables.tests.conftest import Factory

CPFS = ["52998224725", "11144477735", "12345678909"]


@pytest.fixture
def factory():
    return Factory


def _world(runtime, factory, *, profile=ITAU, documents=CPFS):
    company, (pid,), _contracts = seed(factory, contracts=3, profiles=(profile,))
    with unit_of_work() as s:
        for p, doc in zip(s.scalars(select(Party).order_by(Party.id)), documents):
            p.document, p.street, p.number, p.district = doc, "Rua das Flores", "10", "Centro"
            p.city, p.uf, p.cep = "São José dos Campos", "SP", "12245000"
        s.add(Reason(kind="exclusao_fatura", code="DUP", description="Fatura duplicada"))
    assert run_billing(runtime, "2026-12")["invoices_created"] == 3
    return company, pid


def _admin():
    from core.auth import create_user

    with unit_of_work() as s:
        return create_user(s, "gerente", "senha-forte-123", is_admin=True)


def _generate(pid, user="tester"):
    with unit_of_work() as s:
        r = gerar_remessa(s, pid, user=user)
        return r.id, r.nsa, r.filename, bytes(r.content), r.titulos, r.instrucoes, r.valor_total


def test_three_invoices_make_a_file_that_reads_back_with_the_same_titles(runtime, factory):
    company, pid = _world(runtime, factory)
    rid, nsa, name, content, titulos, baixas, total = _generate(pid)
    with unit_of_work(readonly=True) as s:
        expected = s.execute(select(Boleto.nosso_numero, Boleto.valor, Boleto.vencimento, Invoice.number, Party.document)
                             .join(Invoice, Invoice.id == Boleto.invoice_id).join(Party, Party.id == Invoice.party_id)
                             .order_by(Boleto.nosso_numero)).all()
        # generated, not transmitted: no receivables mark yet, the remessa awaits the operator
        assert [i.remessa_transmitted for i in s.scalars(select(Invoice))] == [False] * 3
        assert s.scalar(select(func.count()).select_from(InvoiceRemessaMark)) == 0
        assert s.get(Remessa, rid).estado == "gerada"
        items = s.scalars(select(RemessaItem).where(RemessaItem.remessa_id == rid)).all()
        assert sorted((i.tipo, i.movimento) for i in items) == [("entrada", "01")] * 3
    with unit_of_work() as s:
        transmitir(s, rid, user="tester")
    with unit_of_work(readonly=True) as s:
        assert [i.remessa_transmitted for i in s.scalars(select(Invoice))] == [True] * 3
        marks = s.scalars(select(InvoiceRemessaMark)).all()
        assert len(marks) == 3 and all(m.transmitted for m in marks)
        assert s.get(Remessa, rid).estado == "transmitida"
    assert (nsa, titulos, baixas) == (1, 3, 0)
    assert total == sum((e.valor for e in expected), Decimal("0"))
    assert name.startswith("CB") and name.endswith("01.REM") and len(name) == 12
    layout, parsed, avisos = read_remessa(content, arquivo=name)
    assert (layout.bank, layout.cnab, avisos) == ("341", 400, [])
    assert all(len(line) == 400 for line in content.decode("ascii").split("\r\n")[:-1])
    details = [p.values for p in parsed if p.record.name == "detalhe_remessa"]
    got = [(int(d["nosso_numero"]), d["valor"], d["vencimento"], int(d["numero_documento"]),
            str(int(d["pagador_inscricao"])).zfill(11), d["movimento"], d["agencia"], d["conta"], d["carteira"])
           for d in details]
    want = [(e.nosso_numero, e.valor, e.vencimento, e.number, e.document, "01", "1234", "56789", "109")
            for e in expected]
    assert got == want
    trailer = [p.values for p in parsed if p.record.name.startswith("trailer")]
    assert trailer and parsed[0].record.name.startswith("header")


def test_nsa_one_then_two_and_nothing_is_sent_twice(runtime, factory):
    company, pid = _world(runtime, factory)
    assert _generate(pid)[1] == 1
    with pytest.raises(NadaAEnviar, match="Nada a enviar: o perfil «Itaú cobrança 109» não tem boletos novos"):
        with unit_of_work() as s:  # nothing new: clear message, no file, no NSA consumed
            gerar_remessa(s, pid, user=None)
    with unit_of_work(readonly=True) as s:
        assert peek_next(s, kind=NSA_KIND, company_id=company, series=str(pid)) == 2
        assert s.scalar(select(func.count()).select_from(Remessa)) == 1
    # a new invoice (next month) goes in the second file, numbered 2; the first three do not
    assert run_billing(runtime, "2027-01")["invoices_created"] == 3
    rid, nsa, name, content, titulos, _b, _t = _generate(pid)
    assert (nsa, titulos) == (2, 3) and name.endswith("02.REM")
    with unit_of_work(readonly=True) as s:
        sent = s.scalars(select(RemessaItem.boleto_id)).all()
        assert len(sent) == len(set(sent)) == 6


def test_a_value_that_does_not_fit_refuses_the_file_and_marks_nothing(runtime, factory):
    company, pid = _world(runtime, factory, documents=[CPFS[0], None, CPFS[2]])
    with unit_of_work(readonly=True) as s:
        second = s.scalar(select(Invoice.number).join(Party, Party.id == Invoice.party_id).where(Party.document.is_(None)))
    with pytest.raises(ValidationError) as err:  # the unit of work rolls back
        with unit_of_work() as s:
            gerar_remessa(s, pid, user=None)
    msg = str(err.value)
    assert msg.startswith(f"Remessa do perfil «Itaú cobrança 109» não gerada — Fatura {second}: Título 2 ")
    assert msg.endswith("registro detalhe_remessa, campo pagador_inscricao (posições 221-234): "
                        "campo obrigatório não informado")
    with unit_of_work(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Remessa)) == 0
        assert not any(s.scalars(select(Invoice.remessa_transmitted)))
        assert s.scalar(select(func.count()).select_from(InvoiceRemessaMark)) == 0
        assert peek_next(s, kind=NSA_KIND, company_id=company, series=str(pid)) == 1


def _invoice_ids():
    with unit_of_work(readonly=True) as s:
        return list(s.scalars(select(Invoice.id).where(Invoice.status == INVOICE_OPEN).order_by(Invoice.id)))


def test_remove_is_blocked_when_the_profile_sends_no_pedido_de_baixa(runtime, factory):
    company, pid = _world(runtime, factory)
    with unit_of_work() as s:
        s.get(PaymentProfile, pid).pedido_baixa_habilitado = False
    rid = _generate(pid)[0]
    admin = _admin()
    ids = _invoice_ids()
    with unit_of_work(readonly=True) as s:
        n = s.get(Invoice, ids[0]).number
    for params in ({"reason": "DUP", "confirmed": True}, ):
        result = run_action(runtime, "receivables.invoice.remove", ids[:1], params, admin)
        assert [b.message for b in result.refused[ids[0]]] == ["Esta fatura aguarda efetivação de remessa"]
    with unit_of_work() as s:
        transmitir(s, rid)
    result = run_action(runtime, "receivables.invoice.remove", ids[:1], {"reason": "DUP", "confirmed": True}, admin)
    assert result.done == []
    assert [b.message for b in result.refused[ids[0]]] == [f"A fatura {n} está com remessa transmitida"]
    result = run_action(runtime, "receivables.invoice.alter", ids[:1],
                        {"justification": "cliente pediu", "what": "vencimento", "due_date": "2027-02-20",
                         "confirmed": True}, admin)
    assert [b.message for b in result.refused[ids[0]]] == [f"A fatura {n} está com remessa transmitida"]
    result = run_action(runtime, "receivables.invoice.alter", ids[:1],
                        {"justification": "texto", "what": "descricao", "description": "Nova", "confirmed": True}, admin)
    assert result.done == ids[:1]  # the description does not go to the bank


def test_remove_queues_a_pedido_de_baixa_sent_in_the_next_remessa(runtime, factory):
    company, pid = _world(runtime, factory)
    with unit_of_work() as s:
        transmitir(s, _generate(pid)[0])
    admin = _admin()
    ids = _invoice_ids()
    result = run_action(runtime, "receivables.invoice.remove", ids[:1], {"reason": "DUP", "confirmed": True}, admin)
    assert result.done == ids[:1], result
    with unit_of_work(readonly=True) as s:
        [instr] = s.scalars(select(RemessaInstrucao)).all()
        assert (instr.invoice_id, instr.tipo, instr.movimento, instr.remessa_id) == (ids[0], "baixa", "02", None)
        nn = s.scalar(select(Boleto.nosso_numero).where(Boleto.invoice_id == ids[0]))
    rid, nsa, name, content, titulos, baixas, total = _generate(pid)
    assert (nsa, titulos, baixas, total) == (2, 0, 1, Decimal("0"))
    _layout, parsed, _avisos = read_remessa(content, arquivo=name)
    [detail] = [p.values for p in parsed if p.record.name == "detalhe_remessa"]
    assert (detail["movimento"], int(detail["nosso_numero"])) == ("02", nn)
    with unit_of_work(readonly=True) as s:
        assert s.get(RemessaInstrucao, instr.id).remessa_id == rid
    with pytest.raises(NadaAEnviar):  # consumed: not sent again
        with unit_of_work() as s:
            gerar_remessa(s, pid)


def test_sicoob_240_remessa_reads_back(runtime, factory):
    _company, pid = _world(runtime, factory, profile=SICOOB)
    rid, nsa, name, content, titulos, _b, _t = _generate(pid)
    layout, parsed, _avisos = read_remessa(content, arquivo=name)
    assert (layout.bank, layout.cnab, nsa, titulos) == ("756", 240, 1, 3)
    with unit_of_work(readonly=True) as s:
        nns = list(s.scalars(select(Boleto.nosso_numero).order_by(Boleto.nosso_numero)))
    segs = [p.values for p in parsed if p.record.name == "segmento_p"]
    assert len(segs) == 3 and all(str(n) in str(sp["nosso_numero"]) for n, sp in zip(nns, segs))
