"""Qt widgets for the desktop window; the only package besides `dialer.app` that imports Qt.

Modules here import nothing heavy at module level (no httpx, keyring, pydantic models), so the
window can paint before the services it will talk to are loaded.
"""
