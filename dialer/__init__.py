"""dialer: desktop click-to-call for agents who dial all day."""

__version__ = "0.1.0"

import sys as _sys

# httpx imports its own command line (`httpx._main`) whenever click is installed, and uvicorn
# (the sandbox's server) brings click: click and, where installed, pygments load into every
# dialer process, ~2.5 MB and ~10 ms that nothing uses. A None entry makes that import fail
# the way httpx expects when its CLI extras are absent (`httpx.main` then says so if called).
if "httpx" not in _sys.modules:
    _sys.modules["httpx._main"] = None  # type: ignore[assignment]
