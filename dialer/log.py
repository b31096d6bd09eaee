"""Logging with secrets and recording URLs kept out, and a ring buffer for crash reports.

Every handler the app installs carries `RedactingFilter`; secrets are registered as soon as they
are read from the keyring, so even a careless `log.debug(headers)` cannot leak them.
"""

from __future__ import annotations

import collections
import logging
import logging.handlers
import re
import threading

_SECRETS: set[str] = set()
_LOCK = threading.Lock()
_REDACTED = "[redacted]"
#: Recording URLs are unguessable capabilities: whoever has one can download the call.
_RECORDING_URL = re.compile(r"https?://\S*?/recordings?/\S+", re.IGNORECASE)
_BEARER = re.compile(r"(?i)(bearer\s+|x-[a-z-]*api-key[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]+")


def register_secret(secret: str | None) -> None:
    """Make every later log line hide this value (ignored when too short to be meaningful)."""
    if secret and len(secret) >= 4:
        with _LOCK:
            _SECRETS.add(secret)


def redact(text: str) -> str:
    with _LOCK:
        secrets = sorted(_SECRETS, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, _REDACTED)
    text = _RECORDING_URL.sub("[recording url]", text)
    return _BEARER.sub(lambda m: m.group(1) + _REDACTED, text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        return True


class RingBuffer(logging.Handler):
    """Keeps the last lines in memory for a crash report."""

    def __init__(self, capacity: int = 500) -> None:
        super().__init__()
        self.lines: collections.deque[str] = collections.deque(maxlen=capacity)

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


RING = RingBuffer()


def setup(*, verbose: bool = False, to_file: bool = True) -> None:
    """Configure the `dialer` logger once; safe to call again."""
    logger = logging.getLogger("dialer")
    if getattr(logger, "_dialer_configured", False):
        return
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    redacting = RedactingFilter()
    handlers: list[logging.Handler] = [RING]
    if to_file:
        from dialer import paths

        handlers.append(
            logging.handlers.RotatingFileHandler(
                paths.log_dir() / "dialer.log", maxBytes=1_000_000, backupCount=3, encoding="utf-8"
            )
        )
    if verbose:
        handlers.append(logging.StreamHandler())
    for handler in handlers:
        handler.setFormatter(fmt)
        handler.addFilter(redacting)
        logger.addHandler(handler)
    logger._dialer_configured = True  # type: ignore[attr-defined]
