"""Gapless numbering per (company, kind, series)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import select

from core.db import unit_of_work
from core.models.numbering import NumberCounter
from core.numbering import format_series, next_name, next_number, peek_next, series_prefix


def draw(engine, **key) -> int:
    with unit_of_work(engine) as s:
        return next_number(s, **key)


def test_numbers_start_at_one_and_follow_without_gaps(runtime):
    assert [draw(runtime.engine, kind="fatura") for _ in range(5)] == [1, 2, 3, 4, 5]


def test_counters_are_keyed_by_company_kind_and_series(runtime):
    e = runtime.engine
    assert draw(e, kind="fatura", company_id=1) == 1
    assert draw(e, kind="fatura", company_id=1) == 2
    assert draw(e, kind="fatura", company_id=2) == 1
    assert draw(e, kind="nfse", company_id=1) == 1
    assert draw(e, kind="fatura", company_id=1, series="B") == 1
    assert draw(e, kind="fatura") == 1           # no company is its own key (stored as 0)
    assert draw(e, kind="fatura", company_id=1) == 3
    with unit_of_work(e, readonly=True) as s:
        rows = {(r.company_id, r.kind, r.series): r.last_value for r in s.scalars(select(NumberCounter))}
    assert rows == {(1, "fatura", ""): 3, (2, "fatura", ""): 1, (1, "nfse", ""): 1,
                    (1, "fatura", "B"): 1, (0, "fatura", ""): 1}


def test_several_numbers_in_one_transaction(runtime):
    with unit_of_work(runtime.engine) as s:
        assert [next_number(s, kind="remessa") for _ in range(3)] == [1, 2, 3]
    assert draw(runtime.engine, kind="remessa") == 4


def test_rolled_back_transaction_consumes_nothing(runtime):
    e = runtime.engine
    assert draw(e, kind="fatura", company_id=7) == 1
    with pytest.raises(RuntimeError):
        with unit_of_work(e) as s:
            assert next_number(s, kind="fatura", company_id=7) == 2
            assert next_number(s, kind="fatura", company_id=7) == 3
            raise RuntimeError("falha depois de numerar")
    # The very first draw of a new key rolled back: the row itself must not remain.
    with pytest.raises(RuntimeError):
        with unit_of_work(e) as s:
            assert next_number(s, kind="novo", company_id=7) == 1
            raise RuntimeError("falha")
    assert draw(e, kind="fatura", company_id=7) == 2
    assert draw(e, kind="novo", company_id=7) == 1


def test_peek_next_reserves_nothing(runtime):
    e = runtime.engine
    with unit_of_work(e, readonly=True) as s:
        assert peek_next(s, kind="carne") == 1
    draw(e, kind="carne")
    with unit_of_work(e, readonly=True) as s:
        assert peek_next(s, kind="carne") == 2
        assert peek_next(s, kind="carne") == 2
    assert draw(e, kind="carne") == 2


def test_empty_kind_is_refused(runtime):
    with unit_of_work(runtime.engine, readonly=True) as s:
        with pytest.raises(ValueError, match="vazio"):
            next_number(s, kind=" ")


@pytest.mark.parametrize("pattern, number, when, expected", [
    ("MOT-.#####", 1, None, "MOT-00001"),
    ("MOT-.#####", 123456, None, "MOT-123456"),
    ("FAT-.YYYY.-.#####", 42, date(2026, 3, 5), "FAT-2026-00042"),
    ("FAT-.YYYY.-.MM.-.####", 7, date(2026, 3, 5), "FAT-2026-03-0007"),
    ("NF.YY..MM..DD.-.###", 9, date(2027, 12, 31), "NF271231-009"),
    (".#", 5, None, "5"),
])
def test_format_series(pattern, number, when, expected):
    assert format_series(pattern, number, when) == expected


def test_format_series_needs_a_number_place():
    with pytest.raises(ValueError, match="sem '#'"):
        format_series("MOT-", 1)
    with pytest.raises(ValueError, match="negativo"):
        format_series("MOT-.##", -1)


def test_next_name_restarts_when_the_year_in_the_prefix_changes(runtime):
    pattern = "FAT-.YYYY.-.####"
    assert series_prefix(pattern, date(2026, 12, 31)) == "FAT-2026-"
    with unit_of_work(runtime.engine) as s:
        assert next_name(s, pattern, kind="fatura", company_id=1, when=date(2026, 12, 31)) == "FAT-2026-0001"
        assert next_name(s, pattern, kind="fatura", company_id=1, when=date(2026, 12, 31)) == "FAT-2026-0002"
        assert next_name(s, pattern, kind="fatura", company_id=1, when=date(2027, 1, 1)) == "FAT-2027-0001"


def _concurrent_draws(engine, threads: int, per_thread: int, **key) -> tuple[list[int], list[BaseException]]:
    numbers: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def writer():
        try:
            start.wait()
            mine = [draw(engine, **key) for _ in range(per_thread)]
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            with lock:
                errors.append(exc)
            return
        with lock:
            numbers.extend(mine)

    workers = [threading.Thread(target=writer) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return numbers, errors


@pytest.mark.postgres_only
def test_postgres_8_concurrent_writers_draw_4000_gapless_numbers(runtime):
    numbers, errors = _concurrent_draws(runtime.engine, 8, 500, kind="fatura", company_id=1, series="A")
    assert errors == []
    assert len(numbers) == 4000
    assert sorted(numbers) == list(range(1, 4001))
    with unit_of_work(runtime.engine, readonly=True) as s:
        assert peek_next(s, kind="fatura", company_id=1, series="A") == 4001


@pytest.mark.postgres_only
def test_postgres_concurrent_rollbacks_leave_no_gap(runtime):
    """Writers that roll back every third draw, concurrently: committed numbers stay gapless."""
    e = runtime.engine
    committed: list[int] = []
    lock = threading.Lock()

    def writer(tid: int):
        for i in range(60):
            try:
                with unit_of_work(e) as s:
                    n = next_number(s, kind="estorno", company_id=3)
                    if (tid + i) % 3 == 0:
                        raise KeyError("desiste")
            except KeyError:
                continue
            with lock:
                committed.append(n)

    workers = [threading.Thread(target=writer, args=(t,)) for t in range(6)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert sorted(committed) == list(range(1, len(committed) + 1))
    assert len(committed) == 6 * 60 - sum(1 for t in range(6) for i in range(60) if (t + i) % 3 == 0)


def test_concurrent_writers_are_serialised_without_lock_errors(runtime):
    """On SQLite, BEGIN IMMEDIATE queues writers instead of failing with "database is locked"
    (the same test also holds on PostgreSQL, where the row lock queues them)."""
    numbers, errors = _concurrent_draws(runtime.engine, 4, 100, kind="recibo")
    assert errors == []
    assert sorted(numbers) == list(range(1, 401))
