"""The example third-party plugin (examples/quita-plugin-example), installed into the test
environment by `make install`, found through its entry point like any other package: it adds a
customer-panel tab, a guard and a table of its own — and contributes nothing once disabled."""

from __future__ import annotations

import importlib.metadata as md

import pytest
from sqlalchemy import inspect

from core import migrate
from core.actions import preview_action, run_action
from core.auth import create_user
from core.config import BUILTIN_PLUGINS, parse_config
from core.db import unit_of_work
from core.models import Reason
from core.parties.models import Party
from core.parties.services import create_party
from core.plugins import discover
from core.runtime import bootstrap, set_current
from core.web.registry import PanelContext


def config(url, with_example: bool):
    enabled = [*BUILTIN_PLUGINS, "example"] if with_example else list(BUILTIN_PLUGINS)
    return parse_config({"database": {"url": url}, "plugins": {"enabled": enabled}})


@pytest.fixture
def runtimes(runtime):
    """(runtime with the example enabled, runtime without it) on the suite's database."""
    on = bootstrap(config(runtime.config.database_url, True), make_current=False)
    migrate.upgrade(on)              # the plugin's own lineage creates its table
    off = bootstrap(config(runtime.config.database_url, False), make_current=False)
    yield on, off
    on.dispose()
    off.dispose()
    set_current(runtime)


def test_example_is_an_installed_distribution_with_an_entry_point():
    eps = discover()
    assert eps["example"].value == "quita_plugin_example.plugin"
    assert md.version("quita-plugin-example") == "1.0.0"


def _party_with_note(rt, vip: bool):
    from quita_plugin_example.models import FollowUpNote

    with unit_of_work(rt.engine) as s:
        p = create_party(s, person_type="PF", name="Ana Souza", document="529.982.247-25",
                         city="Curitiba", uf="PR")
        s.add(FollowUpNote(party_id=p.id, text="Prefere contato por e-mail", vip=vip))
        s.add(Reason(kind="inativacao_cadastro", code="PED", description="Pedido do cliente"))
        admin = create_user(s, "gerente", "segredo-123", is_admin=True)
        return p.id, admin


def test_enabled_example_adds_its_tab_guard_and_table(runtimes):
    on, off = runtimes
    pid, admin = _party_with_note(on, vip=True)
    with on.engine.connect() as conn:
        assert inspect(conn).has_table("example_follow_up_note")

    tabs = {t.key: t for t in on.registry.panel_tabs}
    assert "acompanhamento" in tabs
    with unit_of_work(on.engine, readonly=True) as s:
        html = tabs["acompanhamento"].render(PanelContext(s, s.get(Party, pid), admin, None, on))
    assert "★ Prefere contato por e-mail" in html

    params = {"reason": "PED", "confirmed": True}
    result = run_action(on, "parties.deactivate", [pid], params, admin)
    assert result.done == []
    [blocker] = result.refused[pid]
    assert blocker.code == "example.vip" and "é VIP" in blocker.message
    with unit_of_work(on.engine, readonly=True) as s:
        assert s.get(Party, pid).active is True


def test_disabled_example_contributes_nothing_and_keeps_its_table(runtimes):
    on, off = runtimes
    pid, admin = _party_with_note(on, vip=True)
    assert "example" not in off.plugins.enabled()
    assert off.plugins.pm.get_plugin("example") is None
    assert "acompanhamento" not in {t.key for t in off.registry.panel_tabs}
    assert "example_follow_up_note" not in off.registry.doctypes
    assert migrate.pending(off) == []            # its lineage is not asked for …
    with off.engine.connect() as conn:           # … and its table is still there
        assert inspect(conn).has_table("example_follow_up_note")

    # Without the plugin's guard the same action goes through.
    assert preview_action(off, "parties.deactivate", [pid], {"reason": "PED", "confirmed": True}, admin).refused == {}
    result = run_action(off, "parties.deactivate", [pid], {"reason": "PED", "confirmed": True}, admin)
    assert result.done == [pid]
    with unit_of_work(off.engine, readonly=True) as s:
        assert s.get(Party, pid).active is False


def test_installing_the_package_registers_it_and_config_turns_it_off(tmp_path):
    """pip-install the example package, then a fresh `quita` process finds it through its entry
    point when enabled in quita.toml, and contributes nothing from it when it is not."""
    import fcntl
    import json
    import subprocess
    import sys
    from pathlib import Path

    package = Path(__file__).resolve().parent.parent / "examples" / "quita-plugin-example"
    # `make test` runs the SQLite and PostgreSQL suites at the same time in one virtualenv: one pip at a time.
    with open(Path(sys.prefix) / ".quita-test-pip.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        pip = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                              "-e", str(package)], capture_output=True, text=True)
    assert pip.returncode == 0, pip.stderr

    def plugins(enabled: list[str]) -> dict:
        cfg = tmp_path / "quita.toml"
        names = ", ".join(f'"{n}"' for n in enabled)
        cfg.write_text(f'[database]\nurl = "sqlite:///{tmp_path}/x.db"\n[plugins]\nenabled = [{names}]\n')
        proc = subprocess.run([sys.executable, "-m", "core.cli", "plugins", "--json"], capture_output=True,
                              text=True, env={"QUITA_CONFIG": str(cfg), "PATH": "/usr/bin:/bin"}, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        return {row["name"]: row for row in json.loads(proc.stdout)}

    on = plugins(["receivables", "example"])["example"]
    assert on["enabled"] is True and on["version"] == "1.0.0"
    assert {"register_customer_panel_tabs", "action_blockers", "register_migrations"} <= set(on["hooks"])
    off = plugins(["receivables"])["example"]
    assert off["enabled"] is False
