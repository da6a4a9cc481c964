"""Reconciliation tests use the kernel's fixtures (`runtime`, `database_url`, `scratch_url`); the OFX
adapter tests need none of them (pure functions over bytes)."""

from tests.conftest import *  # noqa: F401,F403
