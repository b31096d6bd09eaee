"""Sarv / DeepCall click-to-call: `POST /v2/clickToCall/para`, every parameter in the query.

From `sarv-click-to-call.txt` and the public facts on Sarv. The account's `--agent` is Sarv's
`from` (rung first: the agent's number, or its agent / group id with fromType Agent / Group),
the dialed number is `to`, and a caller ID from the account's pool is `fromCLI` (a DID or
`AGENT_CLI`). Numbers travel as 10 national digits, so only Indian numbers can be dialed; the
rest is refused before sending. `from` and `to` may carry up to four more values each (settings
of the same names) for the strategies ONE_BY_ONE / TO_ALL.

Every rule of the document that can be checked locally is checked before sending
(`sarv_rules`); a refusal names the rule and the code Sarv would have answered. The reply's
`callid` is the call id. Sarv has no status, hangup or recording API, so an accepted call is
PLACED and final. The DND filter's parameter name is not documented: it is not offered.

The token rides in the query string (the document's only way), so its URL-encoded form is
registered with the log filter as well as the raw one.
"""

from __future__ import annotations

from typing import Any, ClassVar

import httpx

from dialer import log as dialer_log
from dialer import numbers
from dialer.domain import (
    AuthError,
    CallRequest,
    CallSnapshot,
    CallStatus,
    ConfigError,
    CredentialsUnavailable,
    ProviderRefused,
    ProviderReplyError,
    RateLimited,
)
from dialer.providers import _http, sarv_rules
from dialer.providers.base import Capabilities, Provider
from dialer.providers.sarv_rules import SarvRuleError
from dialer.providers.sarv_settings import (
    SarvFields,
    SarvSettings,
    extra_values,
    option_params,
    stored_cli,
    validated,
    wire_cli,
)
from dialer.settings import Account

CALL_PATH = "/v2/clickToCall/para"
#: Replies to a request without numbers that prove the host is Sarv's API and did not refuse
#: the credentials first (`accounts test`).
PROBE_ANSWERS = frozenset({"1506", "1507", "1521"})


def read_reply(response: httpx.Response) -> dict[str, Any]:
    """Sarv's JSON reply, or the typed error its `code` stands for."""
    if response.status_code == 429:  # a gateway's throttle, whatever body it came with
        raise RateLimited("429", "Sarv asks us to slow down", http_status=429)
    data = Provider.read_json(response)
    status = data.get("status")
    if status == "success":
        return data
    code, message = data.get("code"), data.get("message")
    code_text = str(code).strip() if isinstance(code, str | int) and code is not True else ""
    message_text = message.strip() if isinstance(message, str) else ""
    if status == "error" and (code_text or message_text):
        raise sarv_rules.refusal(code_text, message_text)
    raise ProviderReplyError(
        f"Sarv sent an unexpected reply (HTTP {response.status_code}, status {status!r})"
    )


class SarvProvider(Provider):
    name = "sarv"
    title = "Sarv (DeepCall)"
    capabilities = Capabilities(
        live_status=False,
        final_status=False,
        add_leg=False,
        hangup=False,
        recordings=False,
        provider_history=False,
        caller_id_pool=True,
        caller_id_shuffle=False,
    )
    settings_model = SarvSettings
    default_base_url = "https://s-ct3.sarv.com"
    number_form = numbers.NumberForm.NATIONAL_DIGITS
    missing_reasons: ClassVar[dict[str, str]] = {
        "live_status": "Sarv's click-to-call API has no call-status endpoint: an accepted call "
        "is shown as placed (outcomes go only to DeepCall's push-report webhook)",
        "hangup": "Sarv's click-to-call API has no hangup",
        "add_leg": "Sarv's click-to-call API cannot add a participant",
        "recordings": "Sarv's click-to-call API returns no recordings",
        "provider_history": "Sarv's click-to-call document has no call-history API",
        "caller_id_shuffle": "Sarv takes one fromCLI per call (or AGENT_CLI)",
        "dnd_filter": "Sarv's DND filter (from / to / both) is not offered: the document does "
        "not name its parameter",
    }

    def __init__(self, account: Account, secret: str | None, client: httpx.AsyncClient) -> None:
        super().__init__(account, secret, client)
        if secret:
            dialer_log.register_secret(secret)
            dialer_log.register_secret(str(httpx.QueryParams({"t": secret}))[2:])

    @classmethod
    def wire_number(cls, parsed: numbers.ParsedNumber) -> str:
        return sarv_rules.indian_digits(parsed.e164 or parsed.raw, "the number", 1509)

    @classmethod
    def normalize_account(cls, account: Account, region: str = "IN") -> Account:
        stored = cls.secret_fields() & set(account.settings)
        if stored:
            raise ConfigError(f"{', '.join(sorted(stored))} is a secret: give it on stdin")
        options = validated(account.settings)
        if account.base_url and not account.base_url.startswith(("http://", "https://")):
            raise ConfigError(f"base URL {account.base_url!r} must start with https:// or http://")
        if not account.agent or not account.agent.strip():
            raise SarvRuleError(1506, "Sarv needs --agent: the `from` number (or agent id)")
        agent = account.agent.strip()
        if (options.fromType or "Number") == "Number":
            sarv_rules.indian_digits(agent, "the agent number (from)", 1508)
            agent = numbers.parse(agent, "IN").e164 or agent
        elif "," in agent or len(agent) > sarv_rules.MAX_LENGTH:
            raise SarvRuleError(None, f"--agent is one {options.fromType} id (no commas, "
                                f"at most {sarv_rules.MAX_LENGTH} characters)")  # fmt: skip
        caller_ids = [stored_cli(c) for c in account.caller_ids]
        base = option_params(options, extras=True)
        for cli in caller_ids:
            sarv_rules.check({**base, "fromCLI": wire_cli(cli)}, complete=False)
        return account.model_copy(update={"agent": agent, "caller_ids": caller_ids})

    def _options(self, request: CallRequest) -> SarvFields:
        if not request.options:
            assert isinstance(self.options, SarvFields)
            return self.options
        return validated({**self.account.settings, **request.options})

    def _token(self) -> str:
        if not self.secret:
            raise CredentialsUnavailable(
                sarv_rules.describe(1014, f"no token stored for account {self.account.name!r}")
            )
        return self.secret

    def params(self, request: CallRequest) -> tuple[dict[str, str], str | None]:
        """The query parameters of a call (token excluded) and the caller ID used."""
        options = self._options(request)
        agent = request.agent or self.account.agent
        if not agent:
            raise SarvRuleError(1506, f"account {self.account.name!r} has no agent (--agent)")
        if (options.fromType or "Number") == "Number":
            agent = sarv_rules.indian_digits(agent, "the agent number (from)", 1508)
        to = request.to_number
        if (options.toType or "Number") == "Number":
            to = sarv_rules.indian_digits(to, "the number", 1509)
        elif to.startswith("+91"):
            to = to[3:]  # an id typed in the dial box was read as a number
        params = {
            "user_id": str(options.user_id),
            "from": ",".join([agent, *extra_values(options, "from")]),
            "to": ",".join([to, *extra_values(options, "to")]),
            **option_params(options),
        }
        caller_id = request.caller_id or next(iter(self.account.caller_ids), None)
        if caller_id is not None:
            params["fromCLI"] = wire_cli(stored_cli(caller_id))
        sarv_rules.check({k: v for k, v in params.items() if k != "user_id"})
        return params, caller_id

    async def _post(
        self, params: dict[str, str], *, effect: _http.Effect = "action"
    ) -> httpx.Response:
        return await _http.send(
            self.client,
            "POST",
            f"{self.base_url}{CALL_PATH}",
            params=params,
            headers={"cache-control": "no-cache"},
            effect=effect,
        )

    async def place_call(self, request: CallRequest) -> CallSnapshot:
        params, caller_id = self.params(request)
        token = self._token()
        response = await self._post(
            {"user_id": params.pop("user_id"), "token": token, **params}, effect="call"
        )
        with _http.call_reply(response, "Sarv"):
            data = read_reply(response)
            callid = data.get("callid")
            if not isinstance(callid, str | int) or isinstance(callid, bool) or not str(callid):
                raise _http.unreadable_acceptance("Sarv", "callid")
        return CallSnapshot(
            uuid=request.uuid,
            account=self.account.name,
            provider=self.name,
            to_number=request.to_number,
            from_number=caller_id,
            call_id=str(callid),
            status=CallStatus.PLACED,
            final=True,
            message="placed; Sarv reports no live status",
        )

    async def test_connection(self) -> str:
        """Sends user_id and token without numbers: Sarv must refuse it, but how tells a lot."""
        token = self._token()
        assert isinstance(self.options, SarvFields)
        params = {"user_id": str(self.options.user_id), "token": token}
        try:
            read_reply(await self._post(params))
        except AuthError:
            raise
        except ProviderRefused as exc:
            if exc.code not in PROBE_ANSWERS:
                raise
            answer = f"{exc.code} ({exc.reason})"
        else:
            raise ProviderReplyError(
                "the host accepted a click-to-call request without numbers: it does not "
                "behave like Sarv's API"
            )
        return (
            f"connected to {httpx.URL(self.base_url).host}; Sarv answered a request without "
            f"numbers with {answer}, so user_id {self.options.user_id} and the token were not "
            "refused (Sarv lists its credential errors first; the order of its checks is not "
            "documented). Settings are complete and within the documented limits. Not checked, "
            "as only a real call shows them: the agent and any agent / group ids, the caller "
            "IDs (fromCLI, toCLI), announcements (ringTone, alertAudio), login-state filters, "
            "agent availability and DND"
        )


PROVIDER = SarvProvider
