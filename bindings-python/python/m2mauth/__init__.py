"""OAuth 2.0 client credentials tokens, fetched once, cached, refreshed ahead
of expiry and shared by every thread and asyncio task.

    >>> import m2mauth
    >>> source = m2mauth.TokenSource(token_url=..., client_id=..., client_secret=...)
    >>> token = source.token()            # or: await source.token_async()
    >>> token.authorization_header        # 'Bearer eyJ…'

The native code lives in ``m2mauth._native``; this package is its public face.
"""

import collections.abc as _abc

from m2mauth import _native
from m2mauth._native import AccessToken, Stats, TokenSource, __version__
from m2mauth.errors import (
    AccessDenied,
    ConfigError,
    InsufficientScope,
    InternalError,
    InvalidClient,
    InvalidGrant,
    InvalidScope,
    InvalidToken,
    JwksUnavailable,
    MalformedResponse,
    OAuthError,
    RateLimited,
    ServerError,
    Timeout,
    TokenError,
    TransportError,
    UnauthorizedClient,
)

# token_async() returns these native coroutines: registered, asyncio.run()
# and asyncio.create_task() accept them like coroutines written in Python.
from m2mauth.verifier import Claims, Verifier

_abc.Coroutine.register(_native.ReadyToken)
_abc.Coroutine.register(_native.TokenFetch)

__all__ = [
    "AccessDenied",
    "AccessToken",
    "Claims",
    "ConfigError",
    "InsufficientScope",
    "InternalError",
    "InvalidClient",
    "InvalidGrant",
    "InvalidScope",
    "InvalidToken",
    "JwksUnavailable",
    "MalformedResponse",
    "OAuthError",
    "RateLimited",
    "ServerError",
    "Stats",
    "Timeout",
    "TokenError",
    "TokenSource",
    "TransportError",
    "UnauthorizedClient",
    "Verifier",
    "__version__",
]
