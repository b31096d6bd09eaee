from __future__ import annotations

import json
from pathlib import Path

import pytest

from dialer import paths, settings
from dialer.domain import ConfigError


def test_first_run_creates_sandbox_account(dialer_home: Path) -> None:
    conf = settings.load()
    assert conf.default_account == "sandbox"
    assert [a.name for a in conf.accounts] == ["sandbox"]
    assert conf.account().provider == "sandbox"
    assert paths.settings_file().is_relative_to(dialer_home)
    assert paths.settings_file().exists()


def test_round_trip_and_atomic_save(dialer_home: Path) -> None:
    conf = settings.load()
    conf.preferences.last_caller_id["sandbox"] = "+918069000002"
    conf.accounts.append(settings.Account(name="work", provider="sandbox", caller_ids=["+1"]))
    settings.save(conf)
    again = settings.load()
    assert again.preferences.last_caller_id == {"sandbox": "+918069000002"}
    assert again.account("work").caller_ids == ["+1"]
    leftovers = [p for p in paths.config_dir().iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_corrupt_file_is_set_aside_not_lost(dialer_home: Path) -> None:
    path = paths.settings_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{ not json", encoding="utf-8")
    conf = settings.load()
    assert conf.default_account == "sandbox"
    aside = path.with_name("settings.json.corrupt-1")
    assert aside.read_text(encoding="utf-8") == "{ not json"


def test_unknown_account_names_the_choices() -> None:
    conf = settings.load()
    with pytest.raises(ConfigError, match="sandbox"):
        conf.account("nope")


def test_account_names_are_plain() -> None:
    with pytest.raises(ValueError):
        settings.Account(name="a/b", provider="sandbox")


def test_dialer_home_moves_every_path(dialer_home: Path) -> None:
    for path in (paths.config_dir(), paths.data_dir(), paths.cache_dir(), paths.state_dir()):
        assert path.is_relative_to(dialer_home)
    assert paths.history_db().is_relative_to(dialer_home)


def test_settings_file_holds_no_secret_fields() -> None:
    settings.load()
    data = json.loads(paths.settings_file().read_text(encoding="utf-8"))
    assert "secret" not in json.dumps(data).lower()
