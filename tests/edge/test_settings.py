"""Settings: TOML file, ``YAGO_EDGE__SECTION__KEY`` overrides, typed conversion, bad values named."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.settings import SettingsError, load_settings

pytestmark = pytest.mark.unit


def test_toml_then_environment_overrides(tmp_path: Path) -> None:
    config = tmp_path / "edge.toml"
    config.write_text(
        '[app]\nport = 9000\ndata_dir = "/srv/yago"\nfiscal = true\n[devices.fiscal]\nkind = "atol"\nurl = "http://10.0.0.5:16732"\n',
        encoding="utf-8",
    )
    env = {
        "YAGO_EDGE__APP__PORT": "9100",
        "YAGO_EDGE__APP__FISCAL": "false",
        "YAGO_EDGE__SYNC__BROKER_HOST": "hub.local",
    }
    settings = load_settings(config, environ=env)
    assert settings.app.port == 9100 and settings.app.fiscal is False
    assert settings.devices.fiscal.kind == "atol" and settings.devices.fiscal.url == "http://10.0.0.5:16732"
    assert settings.sync.broker_host == "hub.local"
    assert settings.db_url == "sqlite+aiosqlite:////srv/yago/edge.db"


def test_config_path_from_environment(tmp_path: Path) -> None:
    config = tmp_path / "edge.toml"
    config.write_text('[app]\nlocation_name = "Кофейня на Невском"\n', encoding="utf-8")
    assert load_settings(environ={"YAGO_EDGE_CONFIG": str(config)}).app.location_name == "Кофейня на Невском"


@pytest.mark.parametrize(
    ("text", "env"),
    [("[app]\nport = 'eighty'\n", {}), ("[app]\nnot_a_setting = 1\n", {}), ("", {"YAGO_EDGE__APP__PORT": "x"})],
)
def test_bad_settings_are_refused(tmp_path: Path, text: str, env: dict[str, str]) -> None:
    config = tmp_path / "edge.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError):
        load_settings(config, environ=env)
