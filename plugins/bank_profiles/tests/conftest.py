"""Bank-profile tests use the kernel's fixtures (`runtime`, `database_url`, `scratch_url`); the
boleto/PIX arithmetic tests need none of them (pure functions)."""

from tests.conftest import *  # noqa: F401,F403
