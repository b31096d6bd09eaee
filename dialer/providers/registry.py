"""Finds provider modules, so adding a provider is adding one file (or one installed plug-in).

Built-ins are the modules of this package that define `PROVIDER`; third-party plug-ins register
a `dialer.providers` entry point naming their Provider class. Nothing here imports the UI.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from typing import TYPE_CHECKING

from dialer.domain import ConfigError

if TYPE_CHECKING:
    from dialer.providers.base import Provider

_NOT_PROVIDERS = frozenset({"base", "registry"})


@cache
def available() -> dict[str, type[Provider]]:
    """Every provider class by its registry name, built-ins first."""
    from dialer.providers.base import Provider

    found: dict[str, type[Provider]] = {}
    package = importlib.import_module("dialer.providers")
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name in _NOT_PROVIDERS or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"dialer.providers.{info.name}")
        cls = getattr(module, "PROVIDER", None)
        if isinstance(cls, type) and issubclass(cls, Provider):
            found[cls.name] = cls
    from importlib.metadata import entry_points

    for ep in entry_points(group="dialer.providers"):
        cls = ep.load()
        if isinstance(cls, type) and issubclass(cls, Provider) and cls.name not in found:
            found[cls.name] = cls
    return found


def get(name: str) -> type[Provider]:
    providers = available()
    try:
        return providers[name]
    except KeyError:
        known = ", ".join(sorted(providers))
        raise ConfigError(f"unknown provider {name!r} (providers: {known})") from None
