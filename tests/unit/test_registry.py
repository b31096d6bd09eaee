from __future__ import annotations

import pytest

from dialer.domain import ConfigError
from dialer.providers import registry
from dialer.providers.base import Provider, validate_settings
from dialer.providers.sandbox import SandboxProvider, SandboxSettings


def test_sandbox_is_discovered() -> None:
    assert registry.get("sandbox") is SandboxProvider
    assert all(issubclass(cls, Provider) for cls in registry.available().values())


def test_unknown_provider_lists_known_ones() -> None:
    with pytest.raises(ConfigError, match="sandbox"):
        registry.get("nope")


def test_settings_validation_lists_valid_keys() -> None:
    with pytest.raises(ConfigError, match="max_ring_time"):
        validate_settings(SandboxSettings, {"bogus": "1"})
    with pytest.raises(ConfigError, match="max_ring_time"):
        validate_settings(SandboxSettings, {"max_ring_time": "1000"})
    ok = validate_settings(SandboxSettings, {"max_ring_time": "45", "recording": "false"})
    assert isinstance(ok, SandboxSettings)
    assert ok.max_ring_time == 45
    assert ok.recording is False


def test_capabilities_declared() -> None:
    caps = SandboxProvider.capabilities
    assert caps.live_status and caps.hangup and caps.add_leg and caps.recordings
