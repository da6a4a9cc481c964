"""`quita bench …`: benchmarks that print figures (never timed assertions in tests).

The kernel adds `quita bench parties`; plugins add their own subcommands to the same group from
their `register_cli_commands` hook implementation::

    from core.bench import bench_group

    @hookimpl
    def register_cli_commands(cli):
        @bench_group(cli).command("billing")
        def bench_billing(...): ...
"""

from __future__ import annotations

import statistics
import time
from typing import Callable

import typer

BENCH_HELP = "Medições de desempenho (benchmarks) que imprimem tempos."


def bench_group(cli: typer.Typer) -> typer.Typer:
    """The `bench` group of this command line, created on first use (one per CLI app)."""
    for group in cli.registered_groups:
        if group.name == "bench":
            return group.typer_instance
    group = typer.Typer(help=BENCH_HELP, no_args_is_help=True)
    cli.add_typer(group, name="bench")
    return group


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
