"""The exceptions m2mauth raises. Every one is a ``TokenError``; none ever
contains a client secret or a token."""

from __future__ import annotations

__all__ = [
    "AccessDenied",
    "ConfigError",
    "InternalError",
    "InvalidClient",
    "InvalidGrant",
    "InvalidScope",
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
        error: the IdP's OAuth ``error``, when it sent one.
        error_description: the IdP's ``error_description`` (cut and cleaned).
        status: the HTTP status of the IdP's answer, when there was one.
        retry_after: seconds the IdP asked to wait (``Retry-After``), if it did.
        field: the option (or environment variable) at fault, for ``ConfigError``.
    """

    code: str
    error: str | None
    error_description: str | None
    status: int | None
    retry_after: float | None
    field: str | None

    def __init__(
        self,
        message: str,
        *,
        code: str = "internal",
        error: str | None = None,
        error_description: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.error = error
        self.error_description = error_description
        self.status = status
        self.retry_after = retry_after
        self.field = field


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


class InternalError(TokenError):
    """A bug in m2mauth. Please report it."""


_BY_CODE: dict[str, type[TokenError]] = {
    "config": ConfigError,
    "invalid_client": InvalidClient,
    "invalid_scope": InvalidScope,
    "unauthorized_client": UnauthorizedClient,
    "invalid_grant": InvalidGrant,
    "access_denied": AccessDenied,
    "invalid_request": OAuthError,
    "unsupported_grant_type": OAuthError,
    "oauth_error": OAuthError,
    "rate_limited": RateLimited,
    "server_error": ServerError,
    "http_status": ServerError,
    "redirect": TransportError,
    "timeout": Timeout,
    "transport": TransportError,
    "malformed_response": MalformedResponse,
}


def _from_native(
    code: str,
    message: str,
    error: str | None,
    description: str | None,
    status: int | None,
    retry_after: float | None,
    field: str | None,
) -> TokenError:
    """Called by the extension module to build the exception for an error."""
    cls = _BY_CODE.get(code, InternalError)
    return cls(
        message,
        code=code,
        error=error,
        error_description=description,
        status=status,
        retry_after=retry_after,
        field=field,
    )
