"""Fixtures shared by the bank_profiles CLI tests: import `bank_rt` and `bank_cli` into a test
module to get the `rt` (receivables + bank_profiles runtime on the test database, emptied after)
and `cli` (the real `quita` CLI against that database) fixtures."""

from __future__ import annotations

import pytest

from core.runtime import bootstrap
from tests.cli_runner import cli_invoker
from tests.conftest import make_config
from tests.worldkit import runtime_maker

ENABLED = ["receivables", "bank_profiles"]


@pytest.fixture(name="rt")
def bank_rt(database_url):
    with runtime_maker(bootstrap) as make:
        yield make(make_config(database_url, enabled=ENABLED))


@pytest.fixture(name="cli")
def bank_cli(rt, database_url, tmp_path, monkeypatch):
    return cli_invoker(rt, database_url, tmp_path, monkeypatch, ENABLED)
