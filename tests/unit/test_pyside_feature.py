"""PySide6's `__feature__` import probe no longer leaves every module's source in linecache.

Each check runs in a fresh interpreter: the probe only sees modules imported after PySide6,
and this test session has imported everything long ago.
"""

from __future__ import annotations

import json
import sys

import pytest

from dialer.ui import pyside_feature
from tests.support.fresh_python import fresh_python

#: Imports a few modules after PySide6 (as `from ... import`, which is what PySide6's hook
#: looks at) and reports what linecache and PySide6's feature table then hold.
PROBE = """
import json, linecache, sys
import PySide6
feature = sys.modules["PySide6.support.feature"]
if {install}:
    feature._mod_uses_pyside = __import__(
        "dialer.ui.pyside_feature", fromlist=["x"]).mentions_pyside
from dialer.app import run
from dialer.numbers import parse
from email.message import Message
print(json.dumps({{
    "cached": sorted(n for n in linecache.cache if "/dialer/" in n or "/email/" in n),
    "flags": {{n: feature.pyside_feature_dict.get(n)
              for n in ("dialer.app", "dialer.numbers", "email.message")}},
}}))
"""


def _probe(install: bool) -> dict[str, object]:
    found: dict[str, object] = json.loads(fresh_python(PROBE.format(install=install)))
    return found


def test_pyside_alone_keeps_the_source_of_every_module_imported_after_it() -> None:
    """The behaviour being worked around; should PySide6 stop doing it, the fix can go."""
    cached = _probe(install=False)["cached"]
    assert isinstance(cached, list)
    assert any(name.endswith("dialer/app.py") for name in cached)
    assert any(name.endswith("email/message.py") for name in cached)


def test_installed_probe_keeps_no_source_and_gives_pysides_answers() -> None:
    plain, fixed = _probe(install=False), _probe(install=True)
    # Importing dialer.ui.pyside_feature puts dialer/ui/__init__.py through PySide6's probe.
    cached = fixed["cached"]
    assert isinstance(cached, list)
    assert [n for n in cached if not n.endswith("dialer/ui/__init__.py")] == []
    assert fixed["flags"] == plain["flags"]
    # Only a module whose source names PySide6 is marked as using it (0); others -1.
    assert fixed["flags"] == {"dialer.app": 0, "dialer.numbers": -1, "email.message": -1}


def test_the_dialer_ui_package_installs_it() -> None:
    import PySide6  # noqa: F401

    feature = sys.modules["PySide6.support.feature"]
    assert feature._mod_uses_pyside is pyside_feature.mentions_pyside


@pytest.mark.parametrize("module_name", ["sys", "_sqlite3", "json"])
def test_modules_without_readable_source(module_name: str) -> None:
    module = __import__(module_name)
    assert pyside_feature.mentions_pyside(module) is False
