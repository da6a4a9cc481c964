"""Benchmark: gapless numbering throughput under concurrent writers (prints figures; no asserts
on time). Each number is drawn in its own unit of work, like issuing one document.

Usage:
    .venv/bin/python benchmarks/bench_numbering.py postgresql+psycopg://postgres@127.0.0.1:5432/quita_ha
    .venv/bin/python benchmarks/bench_numbering.py sqlite:////tmp/bench-numbering.db
Options: --threads 1,4,8  --per-thread 500. The database is migrated first; the benchmark uses
its own counter kind and removes its rows at the end.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete  # noqa: E402

from core import migrate  # noqa: E402
from core.config import parse_config  # noqa: E402
from core.db import unit_of_work  # noqa: E402
from core.models.numbering import NumberCounter  # noqa: E402
from core.numbering import next_number  # noqa: E402
from core.runtime import bootstrap  # noqa: E402

KIND = "bench.numbering"


def run(engine, threads: int, per_thread: int, series: str) -> tuple[float, list[int]]:
    numbers: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads + 1)

    def writer():
        mine = []
        barrier.wait()
        for _ in range(per_thread):
            with unit_of_work(engine) as s:
                mine.append(next_number(s, kind=KIND, series=series))
        with lock:
            numbers.extend(mine)

    workers = [threading.Thread(target=writer) for _ in range(threads)]
    for w in workers:
        w.start()
    barrier.wait()
    t0 = time.perf_counter()
    for w in workers:
        w.join()
    return time.perf_counter() - t0, numbers


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("url")
    ap.add_argument("--threads", default="1,4,8")
    ap.add_argument("--per-thread", type=int, default=500)
    args = ap.parse_args()
    rt = bootstrap(parse_config({"database": {"url": args.url}, "plugins": {"enabled": []}}), make_current=False)
    migrate.upgrade(rt)
    print(f"banco: {rt.engine.dialect.name}  números por thread: {args.per_thread}")
    print(f"{'threads':>8} {'números':>8} {'segundos':>9} {'números/s':>10} {'ms/número':>10}  sem lacunas")
    try:
        for n in [int(x) for x in args.threads.split(",")]:
            series = f"t{n}"
            elapsed, numbers = run(rt.engine, n, args.per_thread, series)
            total = len(numbers)
            gapless = sorted(numbers) == list(range(1, total + 1))
            print(f"{n:>8} {total:>8} {elapsed:>9.2f} {total / elapsed:>10.0f} {1000 * elapsed / total:>10.2f}  "
                  f"{'sim' if gapless else 'NÃO'}")
    finally:
        with unit_of_work(rt.engine) as s:
            s.execute(delete(NumberCounter).where(NumberCounter.kind == KIND))
        rt.dispose()


if __name__ == "__main__":
    main()
