"""`core.job_threads.JobThreads`: one live thread per job in this process; a crash is logged and
leaves the job to be resumed by the next start."""

from __future__ import annotations

import logging
import threading

from core.job_threads import JobThreads


def test_one_thread_per_job_and_a_new_one_after_it_ends(caplog):
    gate, runs = threading.Event(), []

    def work(runtime, job_id):
        runs.append((runtime, job_id))
        gate.wait(10)
        if job_id == 2:
            raise RuntimeError("conexão perdida")

    threads = JobThreads("teste", work)
    first = threads.start("rt", 1)
    assert threads.start("rt", 1) is first  # the same live thread, not a second worker
    assert first.name == "quita-teste-1" and first.daemon and threads.is_working(1)
    crashing = threads.start("rt", 2)
    assert sorted(threads.job_ids()) == [1, 2]
    gate.set()
    with caplog.at_level(logging.ERROR, logger="core.job_threads"):
        assert threads.wait_for(1, timeout=10) and threads.wait_for(2, timeout=10)
    assert not crashing.is_alive() and not threads.is_working(2)
    assert "teste em segundo plano: tarefa 2 interrompida (será retomada)" in caplog.text
    assert threads.job_ids() == []
    again = threads.start("rt", 1)  # resumed: a fresh thread
    assert again is not first and threads.wait_for(1, timeout=10)
    assert sorted(runs) == [("rt", 1), ("rt", 1), ("rt", 2)]
    assert threads.wait_for(99) is True  # no thread: nothing to wait for
