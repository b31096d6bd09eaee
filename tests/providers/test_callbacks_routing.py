"""Per-account callback ports and paths: validated, saved, shown, and served one socket per port."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from dialer import settings as settings_mod
from dialer.domain.models import CallSnapshot, CallStatus
from dialer.sandbox import callback_senders as senders
from dialer.services import callback_runtime, callback_setup
from dialer.services.history import HistoryStore
from dialer.settings import Account, Preferences, Settings


def _free_ports(count: int) -> list[int]:
    socks = [socket.socket() for _ in range(count)]
    try:
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in socks]
    finally:
        for sock in socks:
            sock.close()


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("/pbx/north/", "pbx/north"),
        ("hooks", "hooks"),
        ("", None),
        (None, None),
        ("a.b~c-d_e", "a.b~c-d_e"),
    ],
)
def test_callback_path_is_normalised(given: str | None, kept: str | None) -> None:
    account = Account(name="a", provider="acefone", callback_path=given)
    assert account.callback_path == kept


@pytest.mark.parametrize("bad", ["a b", "../up", "pbx//north", "health", "é", "x?y", "a/./b"])
def test_callback_path_refuses_what_needs_escaping(bad: str) -> None:
    with pytest.raises(ValidationError):
        Account(name="a", provider="acefone", callback_path=bad)


@pytest.mark.parametrize("port", [0, -1, 65536])
def test_callback_port_is_a_real_port(port: int) -> None:
    with pytest.raises(ValidationError):
        Account(name="a", provider="acefone", callback_port=port)


def test_overrides_survive_save_and_load(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    conf = Settings(
        accounts=[Account(name="a", provider="sarv", callback_port=9123, callback_path="pbx")]
    )
    settings_mod.save(conf, path)
    again = settings_mod.load(path).account("a")
    assert (again.callback_port, again.callback_path) == (9123, "pbx")


def _two_port_settings(shared: int, own: int) -> Settings:
    accounts = [
        Account(name="north", provider="clouddialer", callback_port=own, callback_path="pbx/north"),
        Account(name="ace", provider="acefone"),
        Account(name="kz", provider="kazoo", callback_port=own),  # cannot push: no route
    ]
    prefs = Preferences(callback_listener=True, callback_port=shared)
    return Settings(accounts=accounts, preferences=prefs)


def _record(history: HistoryStore, uuid: str, account: str, provider: str) -> None:
    history.record(
        CallSnapshot(
            uuid=uuid,
            account=account,
            provider=provider,
            to_number="+919876543210",
            call_id=f"c-{uuid}",
            status=CallStatus.INITIATED,
        )
    )


def test_one_socket_per_port_and_each_account_answered_on_its_own(tmp_path: Path) -> None:
    shared, own = _free_ports(2)
    conf = _two_port_settings(shared, own)
    history = HistoryStore(tmp_path / "h.sqlite")
    _record(history, "u-north", "north", "clouddialer")
    _record(history, "u-ace", "ace", "acefone")
    seen: list[CallSnapshot] = []

    async def scenario() -> dict[str, int]:
        running = await callback_runtime.start(conf, history, seen.append)
        assert running is not None
        assert sorted(running.listener.ports) == sorted([shared, own])
        routes = running.listener.app.routes
        north = conf.account("north")
        north_url = callback_setup.url_for(conf.preferences, north, routes["north"])
        ace_url = callback_setup.url_for(conf.preferences, conf.account("ace"), routes["ace"])
        north_on_shared = north_url.replace(f":{own}/", f":{shared}/")
        ace_on_own = ace_url.replace(f":{shared}/", f":{own}/")
        north_body = senders.clouddialer_status("u-north", "c-u-north", "BUSY")
        ace_body = senders.acefone_event_assumed("u-ace", "c-u-ace")
        codes: dict[str, int] = {}
        async with httpx.AsyncClient() as client:
            codes["north wrong port"] = (
                await client.post(north_on_shared, json=north_body)
            ).status_code
            codes["ace wrong port"] = (await client.post(ace_on_own, json=ace_body)).status_code
            codes["north"] = (await client.post(north_url, json=north_body)).status_code
            codes["ace"] = (await client.post(ace_url, json=ace_body)).status_code
            codes["health own"] = (await client.get(f"http://127.0.0.1:{own}/health")).status_code
        await running.aclose()
        assert north_url.startswith(f"http://127.0.0.1:{own}/pbx/north/north/")
        assert ace_url.startswith(f"http://127.0.0.1:{shared}/callbacks/ace/")
        return codes

    try:
        codes = asyncio.run(scenario())
    finally:
        history.close()
    assert codes == {
        "north wrong port": 401, "ace wrong port": 401, "north": 200, "ace": 200, "health own": 200
    }  # fmt: skip
    assert sorted((s.uuid, s.status) for s in seen) == [
        ("u-ace", CallStatus.ANSWER),
        ("u-north", CallStatus.BUSY),
    ]


def test_an_account_override_alone_starts_the_listener_for_that_account(tmp_path: Path) -> None:
    (own,) = _free_ports(1)
    conf = Settings(
        accounts=[
            Account(name="sv", provider="sarv", callback_port=own),
            Account(name="ace", provider="acefone"),  # preference off, no override: no route
        ],
        preferences=Preferences(callback_listener=False, callback_port=_free_ports(1)[0]),
    )
    history = HistoryStore(tmp_path / "h.sqlite")

    async def scenario() -> list[str]:
        running = await callback_runtime.start(conf, history, lambda _s: None)
        assert running is not None
        names = sorted(running.listener.app.routes)
        await running.aclose()
        return names

    try:
        assert asyncio.run(scenario()) == ["sv"]
    finally:
        history.close()
    conf.accounts[0] = conf.accounts[0].model_copy(update={"callback_port": None})
    assert not callback_setup.wanted(conf)


def _dialer(*args: str, home: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DIALER_HOME=str(home))
    return subprocess.run(
        [sys.executable, "-m", "dialer", *args],
        input=stdin, capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip


def test_cli_sets_and_shows_the_overrides(dialer_home: Path) -> None:
    added = _dialer(
        "accounts", "add", "north", "--provider", "acefone", "--agent", "9876543211",
        "--callback-port", "9123", "--callback-path", "/pbx/north/",
        home=dialer_home, stdin="api-token\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    bad = _dialer(
        "accounts", "add", "x", "--provider", "acefone", "--agent", "9876543211",
        "--callback-path", "a b", home=dialer_home, stdin="t\n",
    )  # fmt: skip
    assert bad.returncode != 0 and "callback_path" in bad.stderr
    listed = json.loads(_dialer("accounts", "list", "--json", home=dialer_home).stdout)
    north = next(a for a in listed if a["name"] == "north")
    assert north["callback_port"] == 9123 and north["callback_path"] == "pbx/north"
    assert north["callback"] == {
        "configured": True,
        "port": 9123,
        "path_prefix": "pbx/north",
        "where": callback_setup.where_to_give("acefone"),
    }
    sandbox = next(a for a in listed if a["name"] == "sandbox")
    assert "callback" not in sandbox  # providers that cannot push keep their row as it was


def test_accounts_test_names_the_url_and_probes_the_accounts_port(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dialer.commands.accounts import _test_callback

    shared, own = _free_ports(2)
    conf = _two_port_settings(shared, own)
    history = HistoryStore(tmp_path / "h.sqlite")

    async def scenario() -> None:
        running = await callback_runtime.start(conf, history, lambda _s: None)
        assert running is not None
        async with httpx.AsyncClient() as client:
            await _test_callback(client, conf, conf.account("north"))
            await running.aclose()
            await _test_callback(client, conf, conf.account("north"))

    try:
        asyncio.run(scenario())
    finally:
        history.close()
    lines = capsys.readouterr().out.splitlines()
    token = callback_setup.route_for(conf.account("north"))
    assert token is not None
    assert lines[0] == (
        f"north: callback listener: up at http://127.0.0.1:{own} "
        f"(providers use http://127.0.0.1:{own})"
    )
    assert lines[1].startswith(f"north: callback URL: http://127.0.0.1:{own}/pbx/north/north/")
    assert f"{token.token} (give it as the status callback URL" in lines[1]
    assert lines[2].startswith(f"north: callback listener: NOT reachable at http://127.0.0.1:{own}")


# --- Alohaa: webhook_details filled from the listener ------------------------------------------

ALOHAA_KEY = "metro-key-0123456789"


def _alohaa_call(tmp_path: Path, account: Account, prefs: Preferences) -> dict[str, object]:
    """Place one call through the controller against Alohaa's simulator; the webhook it got."""
    from contextlib import contextmanager

    from dialer import credentials
    from dialer.sandbox import alohaa_sim
    from dialer.services.calls import CallController
    from tests.support.live_server import run_server

    app = alohaa_sim.create_app(tmp_path / "sim", api_key=ALOHAA_KEY)
    credentials.set_secret(account.name, ALOHAA_KEY)
    history = HistoryStore(tmp_path / "h.sqlite")
    with contextmanager(run_server)(app) as url:
        conf = Settings(accounts=[account.model_copy(update={"base_url": url})], preferences=prefs)

        async def place() -> None:
            async with httpx.AsyncClient() as client:
                controller = CallController(conf, history, client)
                await controller.place(controller.prepare("+919876543210", account=account.name))

        try:
            asyncio.run(place())
        finally:
            history.close()
            app.state.alohaa.pushes.close()  # no listener here: its push must not linger
    details = app.state.alohaa.calls[-1].webhook_details
    return details or {}


def _alohaa_account(**settings: object) -> Account:
    return Account(
        name="al", provider="alohaa", agent="+919800000001", caller_ids=["+918069000001"],
        settings=dict(settings),
    )  # fmt: skip


def test_alohaa_calls_carry_the_listeners_url_and_header_pair(tmp_path: Path) -> None:
    from dialer import credentials

    shared, own = _free_ports(2)
    prefs = Preferences(callback_listener=True, callback_port=shared)
    details = _alohaa_call(tmp_path / "a", _alohaa_account(), prefs)
    token = credentials.get_secret("al#callback")
    assert token and len(token) == 32
    assert details == {
        "url": f"http://127.0.0.1:{shared}/callbacks/al",
        "request_type": "POST",
        "api_key": callback_setup.ALOHAA_HEADER,
        "api_value": token,
    }
    # the account's own port and path, with the preference off, and a public URL
    account = _alohaa_account().model_copy(update={"callback_port": own, "callback_path": "pbx"})
    off = Preferences(callback_listener=False, callback_public_url="https://tunnel.example/x/")
    details = _alohaa_call(tmp_path / "b", account, off)
    assert details["url"] == f"http://127.0.0.1:{own}/pbx/al"
    details = _alohaa_call(
        tmp_path / "c", _alohaa_account(), off.model_copy(update={"callback_listener": True})
    )
    assert details["url"] == "https://tunnel.example/x/callbacks/al"


def test_alohaa_without_the_listener_sends_no_webhook(tmp_path: Path) -> None:
    assert _alohaa_call(tmp_path, _alohaa_account(), Preferences()) == {}


def test_the_users_own_webhook_overrides_the_listener(tmp_path: Path) -> None:
    account = _alohaa_account(send_webhook_details=True, webhook_url="https://crm.example/hook")
    details = _alohaa_call(tmp_path, account, Preferences(callback_listener=True))
    assert details == {"url": "https://crm.example/hook", "request_type": "POST"}
