"""Annulling the last note while another note is generated, in two real concurrent transactions
(threads, one connection each): the counter row is locked (PostgreSQL `FOR UPDATE`; SQLite's
writer lock), so either the annulment commits first and the new note takes the annulled number, or
the generation commits first and the annulment is refused — never a gap nor a duplicate."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from core.actions import run_action
from core.db import unit_of_work
from core.errors import ValidationError
from plugins.fiscal_nf2122.cancel import annul_document
from plugins.fiscal_nf2122.documents import generate
from plugins.fiscal_nf2122.models import FiscalDocument
from plugins.fiscal_nf2122.settings import settings_of
from plugins.fiscal_nf2122.tests.fiscal_docs_world import documents, rt, seed  # noqa: F401 (rt: fixture)
from plugins.receivables.models import Invoice

WAIT = 20


@pytest.fixture
def world(rt):
    w = seed(rt)
    assert len(run_action(rt, "fiscal_nf2122.invoice.generate", w.ids[:3], {"confirmed": True}, w.admin).done) == 3
    with unit_of_work(rt.engine, readonly=True) as s:
        w.docs = list(s.scalars(select(FiscalDocument).order_by(FiscalDocument.number)))
    return w


class Holder(threading.Thread):
    """Runs `work(session)` in its own unit of work, then holds the transaction open until released."""

    def __init__(self, rt, work):
        super().__init__(daemon=True)
        self.rt, self.work = rt, work
        self.holding, self.release = threading.Event(), threading.Event()
        self.result = self.error = None

    def run(self):
        try:
            with unit_of_work(self.rt.engine) as s:
                self.result = self.work(s)
                self.holding.set()
                self.release.wait(WAIT)
        except Exception as exc:  # reported to the test
            self.error = exc
            self.holding.set()


class Runner(threading.Thread):
    def __init__(self, rt, work):
        super().__init__(daemon=True)
        self.rt, self.work = rt, work
        self.result = self.error = None

    def run(self):
        try:
            with unit_of_work(self.rt.engine) as s:
                self.result = self.work(s)
        except Exception as exc:
            self.error = exc


def _generate(rt, invoice_id):
    def work(s):
        doc = generate(s, s.get(Invoice, invoice_id), settings_of(rt))
        return doc.number
    return work


def _annul(doc_id):
    def work(s):
        annul_document(s, s.get(FiscalDocument, doc_id), "concorrência")
        return True
    return work


def _run_second_while_first_holds(rt, first, second) -> tuple[Holder, Runner]:
    holder = Holder(rt, first)
    holder.start()
    assert holder.holding.wait(WAIT) and holder.error is None, holder.error
    runner = Runner(rt, second)
    runner.start()
    runner.join(0.5)
    assert runner.is_alive(), "the second transaction should wait for the counter's lock"
    holder.release.set()
    holder.join(WAIT)
    runner.join(WAIT)
    assert not runner.is_alive()
    return holder, runner


def _numbers(rt) -> list[tuple[int, int, str]]:
    with unit_of_work(rt.engine, readonly=True) as s:
        return [(d.invoice_id, d.number, d.status) for d in s.scalars(select(FiscalDocument).order_by(FiscalDocument.id))]


def test_annul_first_then_the_waiting_generation_takes_the_number(rt, world):
    last = world.docs[-1]
    holder, runner = _run_second_while_first_holds(rt, _annul(last.id), _generate(rt, world.ids[3]))
    assert (holder.error, runner.error, runner.result) == (None, None, 3)
    assert _numbers(rt) == [(world.ids[0], 1, "gerado"), (world.ids[1], 2, "gerado"), (world.ids[2], 3, "anulado"),
                            (world.ids[3], 3, "gerado")]


def test_generation_first_then_the_waiting_annulment_is_refused(rt, world):
    last = world.docs[-1]
    holder, runner = _run_second_while_first_holds(rt, _generate(rt, world.ids[3]), _annul(last.id))
    assert (holder.error, holder.result) == (None, 4)
    assert isinstance(runner.error, ValidationError)
    assert str(runner.error) == "Somente a última nota da série pode ser anulada: NF 21 série U nº 3 não é a última (última: 4)."
    assert _numbers(rt) == [(world.ids[0], 1, "gerado"), (world.ids[1], 2, "gerado"), (world.ids[2], 3, "gerado"),
                            (world.ids[3], 4, "gerado")]


def test_two_generations_of_the_same_invoice_one_is_refused(rt, world):
    holder, runner = _run_second_while_first_holds(rt, _generate(rt, world.ids[3]), _generate(rt, world.ids[3]))
    assert (holder.error, holder.result) == (None, 4)
    assert isinstance(runner.error, ValidationError)
    assert str(runner.error) == f"A fatura {world.numbers[world.ids[3]]} já possui documentos fiscais gerados."
    assert _numbers(rt)[-1] == (world.ids[3], 4, "gerado") and len(_numbers(rt)) == 4
