"""Where the app keeps its files.

platformdirs gives each OS its proper places; `DIALER_HOME` moves every one of them under a
single folder so tests and portable installs never touch the user's real profile.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "dialer"


def home_override() -> Path | None:
    value = os.environ.get("DIALER_HOME", "").strip()
    return Path(value).expanduser().resolve() if value else None


def _ensure(path: Path) -> Path:
    """Folders the app creates are user-only: history, logs and settings are nobody else's
    business, whatever the umask. Folders that already exist are left as their owner set them."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
    return path


def config_dir() -> Path:
    """Settings (accounts, preferences): small, user-edited, worth backing up."""
    home = home_override()
    if home is not None:
        return _ensure(home / "config")
    import platformdirs

    return _ensure(Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)))


def data_dir() -> Path:
    """Call history and other records that must survive."""
    home = home_override()
    if home is not None:
        return _ensure(home / "data")
    import platformdirs

    return _ensure(Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)))


def cache_dir() -> Path:
    """Downloaded recordings and anything else that can be fetched again."""
    home = home_override()
    if home is not None:
        return _ensure(home / "cache")
    import platformdirs

    return _ensure(Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)))


def state_dir() -> Path:
    """Runtime state: the sandbox's address file and its simulated calls, logs."""
    home = home_override()
    if home is not None:
        return _ensure(home / "state")
    import platformdirs

    return _ensure(Path(platformdirs.user_state_dir(APP_NAME, appauthor=False)))


def settings_file() -> Path:
    return config_dir() / "settings.json"


def history_db() -> Path:
    return data_dir() / "history.sqlite3"


def sandbox_dir() -> Path:
    return _ensure(state_dir() / "sandbox")


def log_dir() -> Path:
    return _ensure(state_dir() / "logs")
