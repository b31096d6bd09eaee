"""A keyring backend whose reads do not answer until told to: a stuck Secret Service, or an
unlock prompt nobody sees, as the app meets it through `keyring`.

Selected explicitly, never by keyring's automatic choice: `keyring.set_keyring(StuckKeyring())`
in a test, or `PYTHON_KEYRING_BACKEND=tests.support.stuck_keyring.StuckKeyring` for a fresh
process (from the project root). A read answers `SECRET` once `release` is set, or nothing
after `HOLD_S` (environment `DIALER_TEST_KEYRING_HOLD_S`, default 20), so no thread outlives a
test for long.
"""

from __future__ import annotations

import os
import threading

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError, PasswordSetError

SECRET = "ck_live_STUCKKEYRING_secret"


class StuckKeyring(KeyringBackend):
    priority = 5  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.reads = 0
        self.hold_s = float(os.environ.get("DIALER_TEST_KEYRING_HOLD_S", "20"))

    def get_password(self, service: str, username: str) -> str | None:
        self.reads += 1
        return SECRET if self.release.wait(self.hold_s) else None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise PasswordSetError("this keyring does not answer")

    def delete_password(self, service: str, username: str) -> None:
        raise PasswordDeleteError("this keyring does not answer")


# keyring registers every backend class it sees and auto-selects the highest priority: with
# priority 5 this one tied with the real Secret Service and, depending on set order, was picked
# by the real-keyring run. It is used only when set or named explicitly, never auto-selected.
KeyringBackend._classes.discard(StuckKeyring)  # type: ignore[attr-defined]
