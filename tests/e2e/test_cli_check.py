"""`dialer check`, `dialer dnc`, `dialer hours` and the guard in `dialer call`, as processes.

Each run sets DIALER_NOW: the verdicts depend on the destination's local time, never on the
machine's clock.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

#: 16:00 UTC is 21:30 in India: after the 09:00-21:00 window.
EVENING = "2026-11-24T16:00:00Z"
#: 10:00 UTC is 15:30 in India and 10:00 in London: inside.
DAYTIME = "2026-11-24T10:00:00+00:00"


def dialer(*args: str, home: Path, now: str = DAYTIME) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DIALER_HOME=str(home), DIALER_NOW=now, DIALER_SANDBOX_SPEED="25")
    return subprocess.run(
        [sys.executable, "-m", "dialer", *args],
        input="",
        capture_output=True,
        text=True,
        env=env,
        timeout=45,
        check=False,
    )


def test_check_json_contract(dialer_home: Path) -> None:
    result = dialer("check", "(080) 2345 6789", "--json", home=dialer_home)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {
        "input", "source", "account", "provider", "valid", "e164", "international", "type",
        "country", "region_code", "region", "extension", "wire", "time_zones", "local_time",
        "local_times", "checked_at", "calling_hours", "within_calling_hours", "premium_rate",
        "emergency", "do_not_call", "allowed", "needs_confirmation", "refusals",
        "confirmations", "notes",
    }  # fmt: skip
    assert data["e164"] == "+918023456789" and data["type"] == "fixed_line"
    assert data["country"] == "India" and data["region"] == "Bangalore, Karnataka"
    assert data["account"] == "sandbox" and data["wire"] == "+918023456789"
    assert data["local_time"] == "2026-11-24T15:30:00+05:30"
    assert data["time_zones"] == ["Asia/Kolkata"]
    assert data["allowed"] is True and data["needs_confirmation"] is False
    assert not (dialer_home / "data" / "dnc.sqlite3").exists()  # a check creates no list


def test_check_human_output(dialer_home: Path) -> None:
    result = dialer("check", "+91 98765 43210", home=dialer_home)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.splitlines()[0] == "+91 98765 43210 — mobile, India"
    assert "sandbox receives  +919876543210" in out
    assert "15:30 Asia/Kolkata (Tue 24 Nov)" in out
    assert out.rstrip().endswith("verdict: ok to call")


def test_check_refusals_exit_2(dialer_home: Path) -> None:
    for number, words in [("112", "emergency number"), ("hello", "not a phone number")]:
        result = dialer("check", number, "--json", home=dialer_home)
        assert result.returncode == 2
        data = json.loads(result.stdout)
        assert data["allowed"] is False and words in data["refusals"][0]
    premium = dialer("check", "+44 909 879 0000", home=dialer_home)
    assert premium.returncode == 2
    assert "confirm: +44 909 879 0000 is a premium-rate number" in premium.stdout
    assert "needs confirmation" in premium.stdout


def test_calling_hours_hold_the_call_unless_forced(dialer_home: Path) -> None:
    shown = dialer("hours", "sandbox", home=dialer_home)
    assert shown.returncode == 0 and "no calling hours" in shown.stdout
    changed = dialer("hours", "sandbox", "09:00-21:00", home=dialer_home)
    assert changed.returncode == 0, changed.stderr
    assert "calls 09:00–21:00" in changed.stdout

    checked = dialer("check", "9876543210", "--json", home=dialer_home, now=EVENING)
    assert checked.returncode == 2
    data = json.loads(checked.stdout)
    assert data["within_calling_hours"] is False and data["allowed"] is True

    held = dialer("call", "9876543210", "--json", home=dialer_home, now=EVENING)
    assert held.returncode == 2
    assert "outside calling hours: it is 21:30" in held.stderr and "--force" in held.stderr
    assert json.loads(held.stdout)["status"] is None
    history = dialer("history", "--json", home=dialer_home)
    assert json.loads(history.stdout) == []  # nothing was recorded, nothing sent

    forced = dialer("call", "9876543210", "--force", "--json", home=dialer_home, now=EVENING)
    assert forced.returncode == 0, forced.stderr
    assert json.loads(forced.stdout)["to"] == "+919876543210"
    daytime = dialer("call", "9876543211", "--json", home=dialer_home)
    assert daytime.returncode == 0, daytime.stderr

    bad = dialer("hours", "sandbox", "9-5", home=dialer_home)
    assert bad.returncode == 2 and "not a time" in bad.stderr
    off = dialer("hours", "sandbox", "off", home=dialer_home)
    assert off.returncode == 0 and "no calling hours" in off.stdout


def test_do_not_call_list_refuses_even_with_force(dialer_home: Path, tmp_path: Path) -> None:
    csv = tmp_path / "dnc.csv"
    csv.write_text("Phone,Reason\n098765-43210,asked not to be called\nnot a number,\n")
    imported = dialer("dnc", "import", str(csv), home=dialer_home)
    assert imported.returncode == 0, imported.stderr
    assert "1 added" in imported.stdout and "1 row skipped" in imported.stdout
    assert "line 3" in imported.stderr

    listed = dialer("dnc", "list", "--json", home=dialer_home)
    rows = json.loads(listed.stdout)
    assert [(r["number"], r["reason"], r["source"]) for r in rows] == [
        ("+919876543210", "asked not to be called", "dnc.csv")
    ]

    checked = dialer("check", "+91 98765 43210", home=dialer_home)
    assert checked.returncode == 2
    assert "do-not-call       listed" in checked.stdout
    assert "is on the do-not-call list (asked not to be called)" in checked.stdout

    refused = dialer("call", "9876543210", "--force", home=dialer_home)
    assert refused.returncode == 2
    assert "+919876543210 is on the do-not-call list (asked not to be called)" in refused.stderr

    removed = dialer("dnc", "remove", "tel:+919876543210", home=dialer_home)
    assert removed.returncode == 0, removed.stderr
    again = dialer("dnc", "remove", "9876543210", home=dialer_home)
    assert again.returncode == 2 and "not on the do-not-call list" in again.stderr
    assert dialer("check", "9876543210", home=dialer_home).returncode == 0


def test_premium_from_the_command_line_needs_force(dialer_home: Path) -> None:
    held = dialer("call", "+44 909 879 0000", home=dialer_home)
    assert held.returncode == 2 and "premium-rate" in held.stderr


def test_a_bad_clock_is_bad_input(dialer_home: Path) -> None:
    result = dialer("check", "9876543210", home=dialer_home, now="yesterday")
    assert result.returncode == 2 and "DIALER_NOW" in result.stderr
