"""Secrets in the OS keyring: round trips on whatever backend is active, and refusals.

The `real_keyring` tests use the active backend: the plain-text test backend in ordinary runs,
a real Secret Service when CI runs `pytest -m real_keyring` under gnome-keyring with
DIALER_TEST_REAL_KEYRING=1. They use unique account names and delete what they store.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.errors import KeyringLocked, PasswordSetError
from keyrings.alt.file import PlaintextKeyring

from dialer import credentials
from dialer.domain import ConfigError, CredentialsUnavailable

REAL = os.environ.get("DIALER_TEST_REAL_KEYRING") == "1"
PLAINTEXT = "keyrings.alt.file.PlaintextKeyring"


def _plaintext_in(folder: Path) -> PlaintextKeyring:
    kr = PlaintextKeyring()
    kr.file_path = str(folder / "keyring_pass.cfg")
    return kr


@pytest.fixture(autouse=True)
def keyring_backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[KeyringBackend]:
    """The backend under test, restored afterwards.

    Real-keyring runs leave the selection alone. Ordinary runs use a plain-text keyring in a
    temp folder, configured explicitly (as the suite's conftest does), so nothing touches a
    developer's own keyring even when this file runs without the conftest.
    """
    previous = keyring.get_keyring()
    if REAL:
        yield previous
        return
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", PLAINTEXT)
    kr = _plaintext_in(tmp_path)
    keyring.set_keyring(kr)
    try:
        yield kr
    finally:
        keyring.set_keyring(previous)


def _unique_account() -> Iterator[str]:
    name = f"dialer-test-{uuid.uuid4()}"
    yield name
    with contextlib.suppress(CredentialsUnavailable):
        credentials.delete_secret(name)


@pytest.fixture
def account() -> Iterator[str]:
    yield from _unique_account()


@pytest.fixture
def other_account() -> Iterator[str]:
    yield from _unique_account()


# --- round trips on the active backend ----------------------------------------------------------


@pytest.mark.real_keyring
def test_backend_is_usable() -> None:
    assert credentials.is_available()
    assert "none usable" not in credentials.backend_name()


@pytest.mark.real_keyring
def test_absent_secret_is_none(account: str) -> None:
    assert credentials.get_secret(account) is None


@pytest.mark.real_keyring
def test_set_get_overwrite_delete(account: str) -> None:
    credentials.set_secret(account, "first-secret")
    assert credentials.get_secret(account) == "first-secret"
    credentials.set_secret(account, "second-secret")
    assert credentials.get_secret(account) == "second-secret"
    credentials.delete_secret(account)
    assert credentials.get_secret(account) is None


@pytest.mark.real_keyring
def test_delete_absent_is_not_an_error(account: str) -> None:
    credentials.delete_secret(account)
    credentials.delete_secret(account)
    assert credentials.get_secret(account) is None


@pytest.mark.real_keyring
def test_unicode_secret(account: str) -> None:
    secret = "pässwörd-दिल्ली-密码-🔑 =;[x]"
    credentials.set_secret(account, secret)
    assert credentials.get_secret(account) == secret


@pytest.mark.real_keyring
def test_accounts_are_isolated(account: str, other_account: str) -> None:
    credentials.set_secret(account, "secret-a")
    credentials.set_secret(other_account, "secret-b")
    assert credentials.get_secret(account) == "secret-a"
    assert credentials.get_secret(other_account) == "secret-b"
    credentials.delete_secret(account)
    assert credentials.get_secret(account) is None
    assert credentials.get_secret(other_account) == "secret-b"


@pytest.mark.real_keyring
def test_service_name_is_dialer(account: str) -> None:
    credentials.set_secret(account, "via-service")
    assert keyring.get_keyring().get_password("dialer", account) == "via-service"


@pytest.mark.real_keyring
@pytest.mark.parametrize("secret", ["", "   ", "\n"])
def test_empty_secret_is_a_config_error(account: str, secret: str) -> None:
    with pytest.raises(ConfigError, match="the secret is empty"):
        credentials.set_secret(account, secret)
    assert credentials.get_secret(account) is None


def test_empty_account_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        credentials.get_secret("")


# --- no usable keyring -------------------------------------------------------------------------


def _assert_readable(exc: CredentialsUnavailable, *forbidden: str) -> None:
    text = str(exc)
    assert "keyring" in text.lower()
    assert "try again" in text
    assert "Traceback" not in text and "NoKeyringError" not in text
    for word in forbidden:
        assert word not in text


def test_fail_backend_raises_credentials_unavailable(account: str) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        assert not credentials.is_available()
        assert credentials.backend_name().startswith("none usable")
        with pytest.raises(CredentialsUnavailable) as info:
            credentials.set_secret(account, "never-stored-secret")
        _assert_readable(info.value, "never-stored-secret")
        if sys.platform.startswith("linux"):
            assert "Secret Service" in str(info.value)
            assert "gnome-keyring" in str(info.value) or "GNOME Keyring" in str(info.value)
        with pytest.raises(CredentialsUnavailable):
            credentials.get_secret(account)
        with pytest.raises(CredentialsUnavailable):
            credentials.delete_secret(account)
    finally:
        keyring.set_keyring(previous)


def test_null_backend_is_unavailable(account: str) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(null.Keyring())
    try:
        assert not credentials.is_available()
        with pytest.raises(CredentialsUnavailable, match="disabled"):
            credentials.get_secret(account)
    finally:
        keyring.set_keyring(previous)


def test_auto_selected_plaintext_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, account: str
) -> None:
    """keyring falls back to keyrings.alt's plain file when no Secret Service runs: refuse."""
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "empty-config"))
    folder = tmp_path / "auto"
    folder.mkdir()
    previous = keyring.get_keyring()
    keyring.set_keyring(_plaintext_in(folder))
    try:
        assert not credentials.is_available()
        with pytest.raises(CredentialsUnavailable) as info:
            credentials.set_secret(account, "would-be-plaintext")
        _assert_readable(info.value, "would-be-plaintext")
        assert not (folder / "keyring_pass.cfg").exists()
    finally:
        keyring.set_keyring(previous)


@pytest.mark.skipif(sys.platform != "linux", reason="keyring's config root is XDG on Linux")
def test_plaintext_chosen_in_keyring_config_is_allowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, account: str
) -> None:
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    config_home = tmp_path / "config"
    (config_home / "python_keyring").mkdir(parents=True)
    (config_home / "python_keyring" / "keyringrc.cfg").write_text(
        f"[backend]\ndefault-keyring = {PLAINTEXT}\n", encoding="utf-8"
    )
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))
    previous = keyring.get_keyring()
    keyring.set_keyring(_plaintext_in(tmp_path))
    try:
        assert credentials.is_available()
        assert "not recommended" in credentials.backend_name()
        credentials.set_secret(account, "chosen")
        assert credentials.get_secret(account) == "chosen"
    finally:
        keyring.set_keyring(previous)


class _MemoryKeyring(KeyringBackend):
    """A recommended (priority 5) in-memory backend whose operations can be made to fail."""

    priority = 5
    error: ClassVar[Exception | None] = None
    store: ClassVar[dict[tuple[str, str], str]] = {}

    def get_password(self, service: str, username: str) -> str | None:
        if self.error is not None:
            raise self.error
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.error is not None:
            raise self.error
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.error is not None:
            raise self.error
        self.store.pop((service, username), None)


# keyring registers every subclass for auto-detection: keep this one out of other tests.
KeyringBackend._classes.discard(_MemoryKeyring)


@pytest.fixture
def memory_keyring() -> Iterator[type[_MemoryKeyring]]:
    _MemoryKeyring.store = {}
    _MemoryKeyring.error = None
    previous = keyring.get_keyring()
    keyring.set_keyring(_MemoryKeyring())
    try:
        yield _MemoryKeyring
    finally:
        keyring.set_keyring(previous)
        _MemoryKeyring.error = None


def test_chainer_uses_only_recommended_backends(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, account: str
) -> None:
    memory = _MemoryKeyring()
    plain = _plaintext_in(tmp_path)
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [memory, plain])
    previous = keyring.get_keyring()
    keyring.set_keyring(chainer.ChainerBackend())
    try:
        _MemoryKeyring.store = {}
        credentials.set_secret(account, "in-memory")
        assert _MemoryKeyring.store == {("dialer", account): "in-memory"}
        assert not (tmp_path / "keyring_pass.cfg").exists()
        assert credentials.backend_name() == _MemoryKeyring.name
    finally:
        keyring.set_keyring(previous)


@pytest.mark.parametrize("chained", ["empty", "plaintext-only"])
def test_chainer_without_recommended_backend_is_unavailable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, chained: str, account: str
) -> None:
    backends: list[Any] = [] if chained == "empty" else [_plaintext_in(tmp_path)]
    monkeypatch.setattr(chainer.ChainerBackend, "backends", backends)
    previous = keyring.get_keyring()
    keyring.set_keyring(chainer.ChainerBackend())
    try:
        assert not credentials.is_available()
        with pytest.raises(CredentialsUnavailable) as info:
            credentials.set_secret(account, "x-secret")
        _assert_readable(info.value, "x-secret")
    finally:
        keyring.set_keyring(previous)


def test_locked_keyring_says_so(memory_keyring: type[_MemoryKeyring], account: str) -> None:
    memory_keyring.error = KeyringLocked("Failed to unlock the collection!")
    with pytest.raises(CredentialsUnavailable, match="locked") as info:
        credentials.get_secret(account)
    assert "nlock" in str(info.value)


def test_backend_error_never_echoes_the_secret(
    memory_keyring: type[_MemoryKeyring], account: str, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "hunter2-very-secret"
    memory_keyring.error = PasswordSetError(f"cannot store {secret} today")
    with pytest.raises(CredentialsUnavailable) as info:
        credentials.set_secret(account, secret)
    assert secret not in str(info.value)
    assert "***" in str(info.value)
    assert secret not in caplog.text


def test_delete_absent_tolerates_not_found_error(
    memory_keyring: type[_MemoryKeyring], account: str
) -> None:
    from keyring.errors import PasswordDeleteError

    memory_keyring.error = None
    original = _MemoryKeyring.delete_password

    def not_found(self: _MemoryKeyring, service: str, username: str) -> None:
        raise PasswordDeleteError("No such password!")

    _MemoryKeyring.delete_password = not_found  # type: ignore[method-assign]
    try:
        credentials.delete_secret(account)
    finally:
        _MemoryKeyring.delete_password = original  # type: ignore[method-assign]


def test_importing_does_not_import_keyring() -> None:
    """Start-up must not pay for backend discovery (D-Bus) before a secret is needed."""
    code = "import sys, dialer.credentials; assert 'keyring' not in sys.modules, 'imported'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=30)
