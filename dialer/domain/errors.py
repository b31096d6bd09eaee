"""Typed errors: every failure a user can meet becomes one of these, with readable text.

The CLI maps them to exit codes and the UI to messages, so providers never raise raw
httpx or JSON exceptions upwards.
"""

from __future__ import annotations


class DialerError(Exception):
    """Base of every error the app reports to a person."""

    #: `dialer call` exit code for this kind of failure (see the CLI contract).
    exit_code: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(DialerError):
    """Bad input from the user: unknown account, bad option. Nothing was sent."""

    exit_code = 2


class InvalidNumber(DialerError):
    """The number cannot be dialed as given. Nothing was sent."""

    exit_code = 2


class CredentialsUnavailable(DialerError):
    """No usable OS keyring, or no secret stored for an account that needs one."""

    exit_code = 2


class Unsupported(DialerError):
    """The provider's API has no such feature (e.g. no hangup)."""

    exit_code = 2


class ProviderRefused(DialerError):
    """The provider answered and said no; `code` is its own error code."""

    def __init__(self, code: str, reason: str, *, http_status: int | None = None) -> None:
        super().__init__(f"{reason} (code {code})" if code else reason)
        self.code = code
        self.reason = reason
        self.http_status = http_status


class AuthError(ProviderRefused):
    """The provider rejected the credentials."""


class NotFound(ProviderRefused):
    """The provider does not know the call (or recording) asked about."""


class RateLimited(ProviderRefused):
    """The provider asked us to slow down."""

    def __init__(
        self,
        code: str,
        reason: str,
        *,
        http_status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(code, reason, http_status=http_status)
        self.retry_after = retry_after


class NetworkError(DialerError):
    """The request never got an answer, and was certainly not accepted (e.g. connect refused)."""


class OutcomeUnknown(NetworkError):
    """The request was sent but no answer came: the call may or may not exist.

    Never retried automatically where the provider has no idempotency key.
    """

    exit_code = 3


class ProviderReplyError(DialerError):
    """The provider answered with something we cannot read (garbage, wrong shape)."""


class UnreadableCallReply(OutcomeUnknown, ProviderReplyError):
    """The reply to a call request cannot be read (garbage, wrong shape, no call id), or the
    provider failed while handling it: the call may well ring.

    An OutcomeUnknown first (the controller records UNKNOWN, never FAILED, so nobody redials
    a ringing call), and a ProviderReplyError for anyone asking what went wrong.
    """
