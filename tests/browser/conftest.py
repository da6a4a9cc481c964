"""Browser tests: the real app served by uvicorn in a background thread, driven by Debian's
Chromium through Playwright (`executable_path`, headless; no browser is ever downloaded).

Two servers run for the session against the test database: one with the built-in plugins
(`live_server`) and one that also enables the in-test plugin "ui_probe" (`probe_server`), so a
test can compare what a disabled plugin contributes. Each test creates its data through the real
services and depends on `runtime`, which empties the tables afterwards.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from browser.uisupport import PROBE, config, probe_plugin
from core.runtime import bootstrap
from core.web.app import create_app

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("QUITA_CHROMIUM", "/usr/bin/chromium")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, runtime):
        self.runtime = runtime
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cfg = uvicorn.Config(create_app(runtime), host="127.0.0.1", port=self.port, log_level="warning",
                             lifespan="off")
        self.server = uvicorn.Server(cfg)
        self.thread = threading.Thread(target=self.server.run, name=f"uvicorn-{self.port}", daemon=True)

    def start(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("o servidor de teste não iniciou")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.runtime.dispose()


def start_live_server(database_url: str, *, receivables: dict | None = None) -> LiveServer:
    """A module's own server: the built-in plugins with these `[plugins.receivables]` settings."""
    return LiveServer(bootstrap(config(database_url, receivables=receivables), make_current=False)).start()


@pytest.fixture(scope="session")
def live_server(database_url):
    server = LiveServer(bootstrap(config(database_url), make_current=False)).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def probe_server(database_url):
    rt = bootstrap(config(database_url, probe=True), extra_plugins={PROBE: probe_plugin()}, make_current=False)
    server = LiveServer(rt).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium não encontrado em {CHROMIUM}: rode `make browser` (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="pt-BR", viewport={"width": 1366, "height": 860})
    context.set_default_timeout(10_000)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    context.close()
    assert not errors, f"erros de JavaScript na página: {errors}"


@pytest.fixture
def shot():
    """`shot(page, "name")` saves test-artifacts/<name>.png (full page)."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(pg, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        pg.screenshot(path=str(path), full_page=True)
        return path

    return take
