"""Qt-free domain: the vocabulary every layer speaks (calls, legs, statuses, errors)."""

from dialer.domain.errors import (
    AuthError,
    ConfigError,
    CredentialsUnavailable,
    DialerError,
    InvalidNumber,
    NetworkError,
    NotFound,
    OutcomeUnknown,
    ProviderRefused,
    ProviderReplyError,
    RateLimited,
    Unsupported,
)
from dialer.domain.models import (
    FINAL_STATUSES,
    CallRequest,
    CallSnapshot,
    CallStatus,
    Leg,
    LegRole,
    LegState,
    ProviderCall,
)

__all__ = [
    "FINAL_STATUSES",
    "AuthError",
    "CallRequest",
    "CallSnapshot",
    "CallStatus",
    "ConfigError",
    "CredentialsUnavailable",
    "DialerError",
    "InvalidNumber",
    "Leg",
    "LegRole",
    "LegState",
    "NetworkError",
    "NotFound",
    "OutcomeUnknown",
    "ProviderCall",
    "ProviderRefused",
    "ProviderReplyError",
    "RateLimited",
    "Unsupported",
]
