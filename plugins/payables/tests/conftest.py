"""Payables tests use the kernel's fixtures (`runtime`, `database_url`, …). The payables browser
tests live in tests/browser (its conftest owns the one Chromium of the run)."""

from tests.conftest import *  # noqa: F401,F403
