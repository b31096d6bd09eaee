"""The Linux tel: path for real: register with xdg-mime in a throwaway desktop profile, start
the dialer, click a link the way a browser does (`xdg-open`, which consults scheme handlers
only when a display is set, hence Xvfb), and see the number arrive in the running window."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.running_app import Apps, running_apps, wait_for

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux")
    or not all(shutil.which(tool) for tool in ("xdg-open", "xdg-mime", "xvfb-run", "xauth")),
    reason="needs xdg-utils, xvfb and xauth (scripts/setup --test installs them)",
)

#: Variables that would make xdg-open hand the link to a real desktop's own tools.
DESKTOP_VARS = (
    "XDG_CURRENT_DESKTOP",
    "DESKTOP_SESSION",
    "KDE_FULL_SESSION",
    "GNOME_DESKTOP_SESSION_ID",
    "BROWSER",
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "DBUS_SESSION_BUS_ADDRESS",
)


@pytest.fixture
def apps(tmp_path: Path, dialer_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Apps]:
    for var in DESKTOP_VARS:
        monkeypatch.delenv(var, raising=False)
    profile = {
        "HOME": str(tmp_path / "home"),
        "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
    }
    (tmp_path / "home").mkdir()
    for running in running_apps(tmp_path, dialer_home):
        running.extra_env.update(profile)
        yield running


def click(apps: Apps, link: str) -> subprocess.CompletedProcess[str]:
    """What a browser does with a tel: link on a desktop without a DE of its own."""
    return subprocess.run(
        ["xvfb-run", "-a", "xdg-open", link],
        env=apps.env,
        capture_output=True,
        text=True,
        timeout=40,
        check=False,
    )


def xdg_default(apps: Apps, scheme: str) -> str:
    result = subprocess.run(
        ["xdg-mime", "query", "default", f"x-scheme-handler/{scheme}"],
        env=apps.env,
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    return result.stdout.strip()


def test_clicked_tel_and_callto_links_reach_the_running_app(apps: Apps) -> None:
    registered = apps.launch("--register-handlers")
    assert registered.returncode == 0, registered.stderr
    desktop = Path(apps.env["XDG_DATA_HOME"]) / "applications" / "dialer.desktop"
    assert f"Exec={sys.executable} -m dialer %u" in desktop.read_text(encoding="utf-8")
    assert xdg_default(apps, "tel") == "dialer.desktop"
    assert xdg_default(apps, "callto") == "dialer.desktop"

    app = apps.start()
    apps.wait_ready(app)

    clicked = click(apps, "tel:+91-98765-43210")
    assert clicked.returncode == 0, clicked.stderr
    state = wait_for(
        lambda: (s := apps.state()) and s["consent_number"] == "+919876543210" and s,
        what="the clicked number in the window",
    )
    assert state["number"] == "tel:+91-98765-43210"
    assert state["consent_open"] is True  # filled in and asked about, never dialed unasked

    assert click(apps, "callto:+14155550123").returncode == 0
    wait_for(lambda: (s := apps.state()) and s["consent_number"] == "+14155550123")
    assert app.poll() is None  # the same app all along

    unregistered = apps.launch("--unregister-handlers")
    assert unregistered.returncode == 0, unregistered.stderr
    assert xdg_default(apps, "tel") == ""
    assert not desktop.exists()


def test_a_link_clicked_with_no_app_running_starts_one_with_the_number(apps: Apps) -> None:
    assert apps.launch("--register-handlers").returncode == 0
    opener = subprocess.Popen(
        ["xvfb-run", "-a", "xdg-open", "tel:+919876543210"],
        env=apps.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    apps.procs.append(opener)  # xdg-open waits for the app it started: stopped at the end
    state = wait_for(lambda: apps.state(), 30, "the app started by the link")
    apps.pids.append(int(state["pid"]))
    state = wait_for(
        lambda: (s := apps.state()) and s["ready"] and s["consent_open"] and s,
        30,
        "the consent question",
    )
    assert state["number"] == "tel:+919876543210"
    assert state["consent_number"] == "+919876543210"
