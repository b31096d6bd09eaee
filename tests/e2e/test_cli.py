"""The command line as a real subprocess: a contract scripts and CRMs depend on."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from dialer import __version__


def dialer(
    *args: str, home: Path, stdin: str | None = None, speed: str = "25", timeout: float = 45
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DIALER_HOME=str(home), DIALER_SANDBOX_SPEED=speed)
    return subprocess.run(
        [sys.executable, "-m", "dialer", *args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )


def test_version(dialer_home: Path) -> None:
    result = dialer("--version", home=dialer_home)
    assert result.returncode == 0
    assert result.stdout.strip() == f"dialer {__version__}"


def test_call_help_gives_the_exit_statuses_the_command_uses(dialer_home: Path) -> None:
    """Scripts branch on them: the help, the README and the command say the same."""
    from dialer.commands import call

    result = dialer("call", "--help", home=dialer_home)
    assert result.returncode == 0
    statuses = result.stdout.split("exit status:")[1]
    codes = {call.EXIT_OK, call.EXIT_REFUSED, call.EXIT_INPUT, call.EXIT_UNKNOWN}
    assert {int(line.split()[0]) for line in statuses.strip().splitlines()} == codes
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "`dialer call` exits 0 when the provider accepted the call" in readme
    assert all(f", {code} " in readme.replace("\n", " ") for code in sorted(codes)[1:])


def test_call_wait_json_then_history(dialer_home: Path) -> None:
    result = dialer(
        "call", "+91 98765 43210", "--account", "sandbox", "--wait", "--json", home=dialer_home
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {
        "account", "provider", "call_id", "uuid", "to", "from", "status", "message",
        "duration", "recording_url",
    }  # fmt: skip
    assert data["status"] == "ANSWER"
    assert data["to"] == "+919876543210"
    assert data["from"] == "+918069000001"
    assert data["provider"] == "sandbox"
    assert data["duration"] == 8
    assert data["recording_url"].endswith(".wav")

    history = dialer("history", "--json", home=dialer_home)
    assert history.returncode == 0, history.stderr
    rows = json.loads(history.stdout)
    assert len(rows) == 1
    row = rows[0]
    assert row["uuid"] == data["uuid"]
    assert row["call_id"] == data["call_id"]
    assert row["status"] == "ANSWER"
    assert row["duration"] == 8
    assert row["started_at"].endswith("Z") and row["ended_at"].endswith("Z")
    assert {"notes", "disposition"} <= set(row)

    found = dialer("history", "--json", "--search", "98765-43210", home=dialer_home)
    assert [r["uuid"] for r in json.loads(found.stdout)] == [data["uuid"]]
    missing = dialer("history", "--json", "--search", "1234567", home=dialer_home)
    assert json.loads(missing.stdout) == []


def test_history_empty_is_empty_array(dialer_home: Path) -> None:
    result = dialer("history", "--json", home=dialer_home)
    assert result.returncode == 0
    assert json.loads(result.stdout) == []


@pytest.mark.parametrize(
    ("number", "status"), [("98765 40000", "BUSY"), ("9876541111", "NO_ANSWER")]
)
def test_unanswered_calls_are_final(dialer_home: Path, number: str, status: str) -> None:
    result = dialer("call", number, "--wait", "--json", home=dialer_home, speed="60")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["status"] == status


def test_call_without_wait_returns_once_accepted(dialer_home: Path) -> None:
    result = dialer("call", "9876543210", "--json", home=dialer_home)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "INITIATED"
    assert data["call_id"]
    assert "duration" not in data


def test_the_sandbox_works_behind_an_office_proxy(
    dialer_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A proxy in the environment (here one that is down) is for the providers: the sandbox,
    on this machine, is reached directly. It failed with "did not start within 15 s"."""
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(var, dead)
    for var in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(var, raising=False)
    result = dialer("call", "9876543210", "--wait", "--json", home=dialer_home, speed="60")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "ANSWER"


def test_bad_number_exits_2_and_sends_nothing(dialer_home: Path) -> None:
    result = dialer("call", "12", "--json", home=dialer_home)
    assert result.returncode == 2
    assert "12" in result.stderr
    assert json.loads(result.stdout)["status"] is None
    assert json.loads(dialer("history", "--json", home=dialer_home).stdout) == []


def test_provider_refusal_exits_1_with_code(dialer_home: Path) -> None:
    result = dialer("call", "9876545020", "--json", home=dialer_home)
    assert result.returncode == 1
    assert "PLATFORM_ERROR" in result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "FAILED"
    rows = json.loads(dialer("history", "--json", home=dialer_home).stdout)
    assert rows[0]["status"] == "FAILED"


def test_timeout_exits_3(dialer_home: Path) -> None:
    result = dialer(
        "call", "9876543210", "--wait", "--timeout", "0.5", "--json", home=dialer_home, speed="1"
    )
    assert result.returncode == 3, result.stderr
    assert json.loads(result.stdout)["status"] in {"INITIATED", "ANSWER"}


def test_unknown_account_exits_2(dialer_home: Path) -> None:
    result = dialer("call", "9876543210", "--account", "nope", home=dialer_home)
    assert result.returncode == 2
    assert "sandbox" in result.stderr


def test_caller_id_outside_pool_exits_2(dialer_home: Path) -> None:
    result = dialer("call", "9876543210", "--from", "+911140000000", home=dialer_home)
    assert result.returncode == 2
    assert "pool" in result.stderr


def test_accounts_add_list_default_remove(dialer_home: Path) -> None:
    added = dialer(
        "accounts", "add", "demo", "--provider", "sandbox", "--agent", "98000 00009",
        "--caller-id", "+91 80 6900 0009", "--caller-id", "08069000008",
        "--set", "max_ring_time=45", "--set", "recording=false", "--default",
        home=dialer_home, stdin="",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    listed = json.loads(dialer("accounts", "list", "--json", home=dialer_home).stdout)
    demo = next(a for a in listed if a["name"] == "demo")
    assert demo == {
        "name": "demo",
        "provider": "sandbox",
        "base_url": None,
        "default": True,
        "agent": "+919800000009",
        "caller_ids": ["+918069000009", "+918069000008"],
        "settings": {"max_ring_time": 45, "recording": False},
        "calling_hours": None,
    }
    assert dialer("accounts", "default", "sandbox", home=dialer_home).returncode == 0
    listed = json.loads(dialer("accounts", "list", "--json", home=dialer_home).stdout)
    assert [a["name"] for a in listed if a["default"]] == ["sandbox"]
    assert dialer("accounts", "remove", "demo", home=dialer_home).returncode == 0
    listed = json.loads(dialer("accounts", "list", "--json", home=dialer_home).stdout)
    assert [a["name"] for a in listed] == ["sandbox"]


def test_accounts_add_rejects_unknown_setting_listing_valid_ones(dialer_home: Path) -> None:
    result = dialer(
        "accounts", "add", "x", "--provider", "sandbox", "--set", "bogus=1", home=dialer_home
    )
    assert result.returncode == 2
    assert "max_ring_time" in result.stderr and "bogus" in result.stderr


def test_accounts_add_refuses_agent_and_crm_username(dialer_home: Path) -> None:
    result = dialer(
        "accounts", "add", "x", "--provider", "sandbox", "--agent", "9800000009",
        "--set", "crm_username=agent.7", home=dialer_home,
    )  # fmt: skip
    assert result.returncode == 2
    assert "crm_username" in result.stderr


def test_accounts_test_sandbox(dialer_home: Path) -> None:
    result = dialer("accounts", "test", "sandbox", home=dialer_home)
    assert result.returncode == 0, result.stderr
    assert "key works" in result.stdout


def test_python_m_and_console_script_agree(dialer_home: Path) -> None:
    script = Path(sys.executable).with_name("dialer")
    if not script.exists():
        pytest.fail("the dialer console script is not installed next to the interpreter")
    env = dict(os.environ, DIALER_HOME=str(dialer_home))
    a = subprocess.run([str(script), "--version"], capture_output=True, text=True, env=env)
    b = dialer("--version", home=dialer_home)
    assert (a.returncode, a.stdout) == (b.returncode, b.stdout)
    c = subprocess.run(
        [str(script), "accounts", "list", "--json"], capture_output=True, text=True, env=env
    )
    d = dialer("accounts", "list", "--json", home=dialer_home)
    assert (c.returncode, c.stdout) == (d.returncode, d.stdout)


def test_accounts_remove_forgets_the_callback_token_too(dialer_home: Path) -> None:
    """A removed account leaves nothing in the keyring: not its key, not the path token the
    listener made for it (a new account of the same name must not inherit an old token)."""
    from dialer import credentials
    from dialer.services import callbacks

    added = dialer(
        "accounts", "add", "pushy", "--provider", "sarv", "--set", "user_id=4242",
        "--agent", "9876543211", "--caller-id", "+91 80 6900 0001",
        home=dialer_home, stdin="sarv-token-for-remove\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    listed = json.loads(dialer("accounts", "list", "--json", home=dialer_home).stdout)
    pushy = next(a for a in listed if a["name"] == "pushy")
    assert pushy["calling_hours"] == ["09:00", "21:00"]  # the regulator's window by default
    token = callbacks.callback_token("pushy")
    assert credentials.get_secret(callbacks.token_username("pushy")) == token
    assert credentials.get_secret("pushy") == "sarv-token-for-remove"

    assert dialer("accounts", "remove", "pushy", home=dialer_home).returncode == 0
    assert credentials.get_secret("pushy") is None
    assert credentials.get_secret(callbacks.token_username("pushy")) is None


def test_re_adding_an_account_keeps_its_calling_hours(dialer_home: Path) -> None:
    add = ("accounts", "add", "desk", "--provider", "sandbox", "--agent", "98000 00009")
    assert dialer(*add, home=dialer_home).returncode == 0
    assert dialer("hours", "desk", "10:00-18:00", home=dialer_home).returncode == 0
    assert dialer(*add, "--set", "max_ring_time=45", home=dialer_home).returncode == 0
    listed = json.loads(dialer("accounts", "list", "--json", home=dialer_home).stdout)
    desk = next(a for a in listed if a["name"] == "desk")
    assert desk["calling_hours"] == ["10:00", "18:00"]
    assert desk["settings"] == {"max_ring_time": 45}


def test_history_sync_says_when_no_account_keeps_a_history(dialer_home: Path) -> None:
    result = dialer("history", "--sync", "--json", home=dialer_home)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
    assert "no account keeps a call history of its own" in result.stderr
