"""Daemon threads of the web process that work on one background job each.

`core.jobs` has no worker inside the web process: a page that submits a job (the billing run,
a big retorno import) starts ONE daemon thread of this process for it and answers at once; the
page then polls the job's progress. A crash of the thread (lost connection…) is logged: the job
stays queued/running in the database and is resumed by the next `start` (or `quita jobs worker`).
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

log = logging.getLogger(__name__)


class JobThreads:
    """At most one live thread per job id, running `work(runtime, job_id)`."""

    def __init__(self, name: str, work: Callable[[object, int], None]):
        self.name = name  # thread names "quita-<name>-<job id>", and the log's label
        self._work = work
        self._lock = threading.Lock()
        self._threads: dict[int, threading.Thread] = {}

    def start(self, runtime, job_id: int) -> threading.Thread:
        """The job's live thread, started now unless this process already runs one."""
        with self._lock:
            thread = self._threads.get(job_id)
            if thread is None or not thread.is_alive():
                thread = threading.Thread(target=self._run, args=(runtime, job_id),
                                          name=f"quita-{self.name}-{job_id}", daemon=True)
                self._threads[job_id] = thread
                thread.start()
            return thread

    def _run(self, runtime, job_id: int) -> None:
        try:
            self._work(runtime, job_id)
        except Exception:  # the current part rolled back; the job stays resumable
            log.exception("%s em segundo plano: tarefa %s interrompida (será retomada)", self.name, job_id)
        finally:
            with self._lock:
                if self._threads.get(job_id) is threading.current_thread():
                    del self._threads[job_id]

    def job_ids(self) -> list[int]:
        """The jobs this process has a thread for (alive or just finishing)."""
        with self._lock:
            return list(self._threads)

    def is_working(self, job_id: int) -> bool:
        with self._lock:
            thread = self._threads.get(job_id)
            return thread is not None and thread.is_alive()

    def wait_for(self, job_id: int, timeout: float | None = None) -> bool:
        """Join the job's thread (tests, shutdown); True when none is left running."""
        with self._lock:
            thread = self._threads.get(job_id)
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True
