"""fiscal_nf2122 tests: the kernel fixtures (`database_url`, …) for the CLI tests; the conv115 file
layer tests need none (pure functions)."""

from tests.conftest import *  # noqa: F401,F403
