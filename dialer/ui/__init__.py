"""Qt widgets for the desktop window; the only package besides `dialer.app` that imports Qt.

Modules here import nothing heavy at module level (no httpx, keyring, pydantic models), so the
window can paint before the services it will talk to are loaded.
"""

import PySide6  # noqa: F401  (every module here imports it; its import hook is set up now)

from dialer.ui import pyside_feature as _pyside_feature

# Before this package's own modules are imported: PySide6 would keep their source otherwise.
_pyside_feature.install()
