"""The frozen Linux bundle really works: it places a sandbox call through its own CLI, starts its
window offscreen and exits cleanly, leaves no sandbox behind, and its tarball installs and
uninstalls for one user.

The bundle is built by `packaging/build-linux` (about a minute on two cores) unless
build/bundle already holds one built from exactly this tree (same `packaging/source_hash.py`
fingerprint: sources, recipe and installed libraries), which is then reused.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dialer import __version__

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "build" / "bundle" / "dialer"
STAMP = ROOT / "build" / "bundle" / "source-hash"
TARBALL = ROOT / "dist" / f"dialer-{__version__}-linux-{os.uname().machine}.tar.gz"

pytestmark = [
    pytest.mark.skipif(
        not sys.platform.startswith("linux"), reason="the bundle built here is Linux's"
    ),
    pytest.mark.timeout(900),  # includes building the bundle when the tree changed
]

sys.path.insert(0, str(ROOT / "packaging"))
from source_hash import source_hash  # noqa: E402


@pytest.fixture(scope="module")
def bundle() -> Path:
    """build/bundle/dialer/dialer, built from this very tree."""
    fingerprint = source_hash()
    built = STAMP.exists() and STAMP.read_text().strip() == fingerprint and TARBALL.exists()
    if not built:
        result = subprocess.run(
            [str(ROOT / "packaging" / "build-linux"), "--no-timing"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=840,
            check=False,
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return BUNDLE / "dialer"


def bundle_env(home: Path, **extra: str) -> dict[str, str]:
    """The test session's environment minus its Python-only keyring backend (keyrings.alt is a
    test dependency the bundle does not carry), with a private DIALER_HOME."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_KEYRING_BACKEND"}
    env.update(DIALER_HOME=str(home), QT_QPA_PLATFORM="offscreen", **extra)
    return env


def run(
    exe: Path, *args: str, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(exe), *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status  # a zombie has exited


def bundle_processes(exe: Path) -> set[int]:
    """Every running process whose executable is the bundle's."""
    found = set()
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if Path(os.readlink(proc / "exe")) == exe.resolve() and alive(int(proc.name)):
                    found.add(int(proc.name))
            except OSError:
                continue
    return found


@pytest.fixture
def no_stray_bundles(bundle: Path) -> Iterator[None]:
    before = bundle_processes(bundle)
    yield
    deadline = time.monotonic() + 10
    while (left := bundle_processes(bundle) - before) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, f"bundle processes left running: {left}"


def test_version_and_help_are_the_dialer_command(bundle: Path, dialer_home: Path) -> None:
    env = bundle_env(dialer_home)
    version = run(bundle, "--version", env=env)
    assert (version.returncode, version.stdout.strip()) == (0, f"dialer {__version__}")
    frozen = run(bundle, "call", "--help", env=env)
    source = subprocess.run(
        [sys.executable, "-m", "dialer", "call", "--help"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert frozen.returncode == source.returncode == 0
    assert frozen.stdout == source.stdout


def test_bundle_names_the_area_from_the_geodata_source_files(
    bundle: Path, dialer_home: Path
) -> None:
    """The spec ships phonenumbers' geodata as source (`module_collection_mode`), which
    `dialer.area_names` reads line by line; the answer is the geocoder's."""
    env = bundle_env(dialer_home, DIALER_NOW="2026-11-24T10:00:00Z")
    result = run(bundle, "check", "(080) 2345 6789", "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["region"] == "Bangalore, Karnataka"
    geodata = bundle.parent / "_internal" / "phonenumbers" / "geodata"
    assert (geodata / "data0.py").is_file()


def test_bundle_places_a_sandbox_call_through_its_own_cli(
    bundle: Path, dialer_home: Path, no_stray_bundles: None
) -> None:
    from dialer.sandbox import process

    env = bundle_env(dialer_home, DIALER_SANDBOX_SPEED="25")
    result = run(
        bundle, "call", "+91 98765 43210", "--account", "sandbox", "--wait", "--json", env=env
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "ANSWER"
    assert data["provider"] == "sandbox"
    assert data["to"] == "+919876543210"
    assert data["duration"] == 8
    assert data["recording_url"].endswith(".wav")

    # The shared sandbox it started is the bundle itself (`dialer sandbox`), not a Python.
    server = process.read_server_file(dialer_home / "state" / "sandbox")
    assert server is not None
    pid = server["pid"]
    assert Path(os.readlink(f"/proc/{pid}/exe")) == bundle.resolve()

    history = run(bundle, "history", "--json", env=env)
    assert history.returncode == 0, history.stderr
    assert [row["uuid"] for row in json.loads(history.stdout)] == [data["uuid"]]

    assert process.stop()  # DIALER_HOME is this test's: the server named in its server.json
    assert not alive(pid)
    assert process.read_server_file(dialer_home / "state" / "sandbox") is None


def test_frozen_sandbox_exits_by_itself_when_idle(
    bundle: Path, dialer_home: Path, no_stray_bundles: None
) -> None:
    result = run(
        bundle, "sandbox", "--port", "0", "--idle-exit", "0.5", env=bundle_env(dialer_home)
    )
    assert result.returncode == 0, result.stderr
    assert not (dialer_home / "state" / "sandbox" / "server.json").exists()


def test_bundle_window_paints_offscreen_and_exits_cleanly(
    bundle: Path, dialer_home: Path, no_stray_bundles: None
) -> None:
    env = bundle_env(dialer_home, DIALER_EXIT_AFTER_PAINT="1")
    result = run(bundle, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("first-paint "), result.stdout
    assert "Traceback" not in result.stderr
    assert "plugin" not in result.stderr.lower(), result.stderr  # Qt platform/image plugins
    assert not (dialer_home / "state" / "sandbox" / "server.json").exists()


def test_tarball_installs_for_one_user_and_uninstalls(
    bundle: Path, tmp_path: Path, no_stray_bundles: None
) -> None:
    from PySide6.QtGui import QImage

    with tarfile.open(TARBALL) as tar:
        if hasattr(tarfile, "tar_filter"):  # Python 3.11.4+: keep links inside the folder
            tar.extractall(tmp_path / "unpacked", filter="tar")
        else:  # pragma: no cover - our own tarball, just built
            tar.extractall(tmp_path / "unpacked")
    (top,) = (tmp_path / "unpacked").iterdir()
    assert top.name == TARBALL.name.removesuffix(".tar.gz")
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "HOME": str(home),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "DIALER_HOME": str(tmp_path / "dialer-home"),
    }
    installed = run(top / "install.sh", env=env)
    assert installed.returncode == 0, installed.stderr

    lib = home / ".local" / "lib" / "dialer"
    desktop = (home / "data" / "applications" / "dialer.desktop").read_text()
    assert f"\nExec={lib / 'dialer'} %u\n" in desktop
    assert "MimeType=x-scheme-handler/tel;x-scheme-handler/callto;" in desktop
    for size in (16, 22, 24, 32, 48, 64, 128, 256, 512):
        image = QImage(str(home / "data" / "icons" / "hicolor" / f"{size}x{size}/apps/dialer.png"))
        assert (image.width(), image.height()) == (size, size)
    assert (home / "data" / "icons" / "hicolor" / "scalable/apps/dialer.svg").exists()
    linked = run(home / ".local" / "bin" / "dialer", "--version", env=env)
    assert linked.stdout.strip() == f"dialer {__version__}"
    mimeapps = home / "config" / "mimeapps.list"
    if "xdg-mime not found" not in installed.stdout:
        assert "x-scheme-handler/tel=dialer.desktop" in mimeapps.read_text()

    removed = run(lib / "uninstall.sh", env=env)
    assert removed.returncode == 0, removed.stderr
    assert not lib.exists()
    assert not (home / ".local" / "bin" / "dialer").exists()
    assert not (home / "data" / "applications" / "dialer.desktop").exists()
    assert not list((home / "data" / "icons").rglob("dialer.*"))
    if mimeapps.exists():
        assert "dialer.desktop" not in mimeapps.read_text()
