"""`quita bench …`: benchmarks that print figures (never timed assertions in tests).

The kernel adds `quita bench parties`; plugins add their own subcommands to the same group from
their `register_cli_commands` hook implementation::

    from core.bench import bench_app

    @hookimpl
    def register_cli_commands(cli):
        @bench_app.command("billing")
        def bench_billing(...): ...

The group itself is attached to the root command line by the kernel (`core.parties.hooks`).
"""

from __future__ import annotations

import statistics
import time
from typing import Callable

import typer

bench_app = typer.Typer(help="Medições de desempenho (benchmarks) que imprimem tempos.", no_args_is_help=True)


def attach(cli: typer.Typer) -> None:
    """Add the `bench` group to the root app once."""
    if not any(getattr(g, "typer_instance", None) is bench_app for g in cli.registered_groups):
        cli.add_typer(bench_app, name="bench")


def time_median(fn: Callable[[], object], *, runs: int = 5, warmup: int = 1) -> tuple[float, object]:
    """Run `fn` `warmup` + `runs` times; return (median seconds of the timed runs, last result)."""
    result = None
    for _ in range(warmup):
        result = fn()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples), result
