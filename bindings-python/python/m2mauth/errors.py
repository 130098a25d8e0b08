"""The exceptions m2mauth raises. Every one is a ``TokenError``; none ever
contains a client secret or a token."""

from __future__ import annotations

__all__ = [
    "AccessDenied",
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
    "Timeout",
    "TokenError",
    "TransportError",
    "UnauthorizedClient",
]


class TokenError(Exception):
    """Base class of m2mauth's errors.

    Attributes:
        code: the stable code, the same in every m2mauth language
            (``"invalid_client"``, ``"timeout"``, ``"config"``, …).
        family: what kind of failure: ``"config"``, ``"refused"``,
            ``"transient"``, ``"malformed"``, ``"invalid_token"`` or ``"internal"``.
        error: the IdP's OAuth ``error``, when it sent one.
        error_description: the IdP's ``error_description`` (cut and cleaned).
        status: the HTTP status of the IdP's answer, when there was one.
        retry_after: seconds the IdP asked to wait (``Retry-After``), if it did.
        field: the option (or environment variable) at fault, for ``ConfigError``.
        detail: the message without its fixed prefix (for ``InsufficientScope``:
            the missing scopes, space-separated).
    """

    code: str
    family: str
    error: str | None
    error_description: str | None
    status: int | None
    retry_after: float | None
    field: str | None
    detail: str | None

    def __init__(
        self,
        message: str,
        *,
        code: str = "internal",
        family: str = "internal",
        error: str | None = None,
        error_description: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
        field: str | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.family = family
        self.error = error
        self.error_description = error_description
        self.status = status
        self.retry_after = retry_after
        self.field = field
        self.detail = detail


class ConfigError(TokenError, ValueError):
    """The configuration was rejected; ``field`` names the option."""


class OAuthError(TokenError):
    """The IdP understood and refused the request; retrying will not help."""


class InvalidClient(OAuthError):
    """The IdP refused the client's credentials (``invalid_client``)."""


class InvalidScope(OAuthError):
    """A requested scope is unknown or not allowed (``invalid_scope``)."""


class UnauthorizedClient(OAuthError):
    """The client may not use the client credentials grant (``unauthorized_client``)."""


class InvalidGrant(OAuthError):
    """The grant was refused (``invalid_grant``)."""


class AccessDenied(OAuthError):
    """The IdP denied access (``access_denied``)."""


class RateLimited(TokenError):
    """The IdP is rate limiting (HTTP 429); ``retry_after`` says for how long."""


class ServerError(TokenError):
    """The IdP failed (HTTP 5xx) or answered an unexpected status."""


class Timeout(TokenError, TimeoutError):
    """The token request did not complete within the configured timeout."""


class TransportError(TokenError):
    """The IdP could not be reached (connection, DNS, TLS) or answered a redirect."""


class MalformedResponse(TokenError):
    """The IdP's answer could not be used (not JSON, no token, bad lifetime, too large)."""


class InvalidToken(TokenError):
    """A token checked by a ``Verifier`` is not valid; ``code`` says why
    (``"token_expired"``, ``"token_signature"``, ``"token_audience"``, …)."""


class InsufficientScope(InvalidToken):
    """The token is valid but lacks a required scope (HTTP 403 territory)."""


class JwksUnavailable(InvalidToken):
    """No keys to check the token with: the issuer's JWKS could not be had."""


class InternalError(TokenError):
    """A bug in m2mauth. Please report it."""


# The class of each code that has one of its own; every other code gets its
# family's class. Both tables are checked against the core's error table
# (tests/vectors/error_codes.json) by tests/test_errors.py.
_BY_CODE: dict[str, type[TokenError]] = {
    "invalid_client": InvalidClient,
    "invalid_scope": InvalidScope,
    "unauthorized_client": UnauthorizedClient,
    "invalid_grant": InvalidGrant,
    "access_denied": AccessDenied,
    "rate_limited": RateLimited,
    "server_error": ServerError,
    "http_status": ServerError,
    "redirect": TransportError,
    "timeout": Timeout,
    "transport": TransportError,
    "insufficient_scope": InsufficientScope,
    "jwks_unavailable": JwksUnavailable,
}

_BY_FAMILY: dict[str, type[TokenError]] = {
    "config": ConfigError,
    "refused": OAuthError,
    "transient": ServerError,
    "malformed": MalformedResponse,
    "invalid_token": InvalidToken,
    "internal": InternalError,
}


def _from_native(
    code: str,
    family: str,
    message: str,
    error: str | None,
    description: str | None,
    status: int | None,
    retry_after: float | None,
    field: str | None,
    detail: str | None,
) -> TokenError:
    """Called by the extension module to build the exception for an error."""
    cls = _BY_CODE.get(code) or _BY_FAMILY[family]
    return cls(
        message,
        code=code,
        family=family,
        error=error,
        error_description=description,
        status=status,
        retry_after=retry_after,
        field=field,
        detail=detail,
    )
