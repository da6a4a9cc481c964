"""Config validation and plugin loading: one clear error naming the key."""

import pytest

from core.config import BUILTIN_PLUGINS, load_config, parse_config
from core.errors import ConfigError
from core.plugins import load_plugins


def test_defaults_enable_every_builtin(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QUITA_CONFIG", raising=False)
    cfg = load_config()
    assert cfg.enabled_plugins == list(BUILTIN_PLUGINS)
    assert cfg.database_url == "sqlite:///quita.db"


def test_quita_config_env_points_to_another_file(tmp_path, monkeypatch):
    f = tmp_path / "outro.toml"
    f.write_text('[database]\nurl = "sqlite:///x.db"\n[plugins]\nenabled = ["payables"]\n')
    monkeypatch.setenv("QUITA_CONFIG", str(f))
    cfg = load_config()
    assert cfg.database_url == "sqlite:///x.db" and cfg.enabled_plugins == ["payables"]


def test_missing_file_named_by_env_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("QUITA_CONFIG", str(tmp_path / "nao-existe.toml"))
    with pytest.raises(ConfigError, match="não encontrado"):
        load_config()


@pytest.mark.parametrize("raw, key", [
    ({"banco": {}}, "banco"),
    ({"database": {"uri": "x"}}, "database.uri"),
    ({"plugins": {"enabled": "receivables"}}, "plugins.enabled"),
])
def test_bad_kernel_keys_are_named(raw, key):
    with pytest.raises(ConfigError) as exc:
        parse_config(raw)
    assert exc.value.key == key


def test_invalid_toml_names_the_file(tmp_path):
    f = tmp_path / "q.toml"
    f.write_text("[database\n")
    with pytest.raises(ConfigError, match="TOML inválido") as exc:
        load_config(f)
    assert str(f) in str(exc.value)


def test_unknown_plugin_is_named():
    with pytest.raises(ConfigError, match="plugin desconhecido: 'recebiveis'") as exc:
        load_plugins(parse_config({"plugins": {"enabled": ["recebiveis"]}}))
    assert exc.value.key == "plugins.enabled"


def test_missing_dependency_is_named():
    with pytest.raises(ConfigError, match="'bank_profiles' requer o plugin 'receivables'"):
        load_plugins(parse_config({"plugins": {"enabled": ["bank_profiles"]}}))


def test_settings_for_unknown_plugin_are_refused():
    with pytest.raises(ConfigError) as exc:
        load_plugins(parse_config({"plugins": {"enabled": [], "fantasma": {"x": 1}}}))
    assert exc.value.key == "plugins.fantasma"


def test_disabled_builtin_is_listed_but_not_registered():
    plugins = load_plugins(parse_config({"plugins": {"enabled": ["payables"]}}))
    assert set(plugins.infos) >= set(BUILTIN_PLUGINS)
    assert plugins.is_enabled("payables") and not plugins.is_enabled("receivables")
    assert plugins.pm.get_plugin("receivables") is None
    assert plugins.pm.get_plugin("payables") is not None


def test_misspelt_hook_fails_at_start():
    import types

    from hooks import hookimpl

    bad = types.ModuleType("bad_plugin")

    @hookimpl
    def register_customer_panel_tab(register):  # missing the final "s"
        pass

    bad.register_customer_panel_tab = register_customer_panel_tab
    with pytest.raises(ConfigError, match="implementação de hook inválida"):
        load_plugins(parse_config({"plugins": {"enabled": ["bad"]}}), extra={"bad": bad})
