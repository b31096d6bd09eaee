"""Keep PySide6 from holding the source of every module the app imports.

PySide6 hooks the import system for its `__feature__` switches (snake_case, true_property):
each module imported after PySide6 is asked whether its source mentions "PySide6", with
`inspect.getsource(module)`. That reads the whole file into `linecache`, where it stays: for
the ~420 modules the started dialer imports, ~6 MB of source as ~14 MB of line strings, a
tenth of the idle app's memory, kept for nothing (the dialer uses no feature switch).
`install()` replaces that probe with one giving the same answer from the module loader's
`get_source`, which caches nothing. Call it right after PySide6 is first imported.
"""

from __future__ import annotations

import sys
from types import ModuleType

__all__ = ["install", "mentions_pyside"]

#: The module holding the probe, under the names PySide6 releases have given it.
_FEATURE_MODULES = ("PySide6.support.feature", "shibokensupport.feature")


def install() -> bool:
    """Swap PySide6's probe for `mentions_pyside`; False when this PySide6 has no such probe."""
    for name in _FEATURE_MODULES:
        feature = sys.modules.get(name)
        if feature is not None and callable(getattr(feature, "_mod_uses_pyside", None)):
            feature._mod_uses_pyside = mentions_pyside  # type: ignore[attr-defined]
            return True
    return False


def mentions_pyside(module: ModuleType) -> bool:
    """PySide6's own answer (does the module's source contain "PySide6"?), read and dropped."""
    loader = getattr(module, "__loader__", None)
    get_source = getattr(loader, "get_source", None)
    if get_source is None:
        return False  # a built-in, extension or namespace module: PySide6 finds no source either
    try:
        source = get_source(module.__name__)
    except (ImportError, OSError, SyntaxError, UnicodeDecodeError):
        return False
    return isinstance(source, str) and "PySide6" in source
