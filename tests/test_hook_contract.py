"""Meta-tests on the plugin contract (datasette style): every hook documented and tested."""

import re
from pathlib import Path

import pytest

from core.hookdocs import REQUIRED_SECTIONS, hook_specs, render_markdown

ROOT = Path(__file__).resolve().parent.parent
SPECS = list(hook_specs())


def _test_sources() -> str:
    files = list((ROOT / "tests").rglob("test_*.py")) + list((ROOT / "plugins").rglob("test_*.py"))
    return "\n".join(f.read_text(encoding="utf-8") for f in files)


@pytest.mark.parametrize("name, func", [(n, f) for _, n, f in SPECS], ids=[n for _, n, _ in SPECS])
def test_every_hook_has_a_complete_docstring(name, func):
    doc = func.__doc__ or ""
    missing = [s for s in REQUIRED_SECTIONS if s not in doc]
    assert not missing, f"hook {name}: docstring sem as seções {missing}"
    assert "firstresult" in doc, f"hook {name}: a docstring deve dizer se é firstresult"


@pytest.mark.parametrize("name", [n for _, n, _ in SPECS])
def test_every_hook_has_a_test(name):
    assert re.search(rf"def test_hook_{name}\b", _test_sources()), f"nenhum teste test_hook_{name}"


def test_hooks_doc_is_up_to_date():
    doc = (ROOT / "docs" / "hooks.md").read_text(encoding="utf-8")
    assert doc == render_markdown(), "docs/hooks.md desatualizado: rode `python -m core.hookdocs > docs/hooks.md`"


def test_there_are_hooks_in_every_family():
    import hooks

    families = {m.__name__ for m, _, _ in SPECS}
    assert families == {m.__name__ for m in hooks.SPEC_MODULES}
    assert {"hooks.registration", "hooks.guards", "hooks.events"} <= families
