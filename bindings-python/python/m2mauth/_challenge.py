"""RFC 6750 §3 answers for the HTTP glue: the status, the
``WWW-Authenticate`` header and a JSON body for a refused request. Never
the token; the description is m2mauth's message, which never holds one."""

from __future__ import annotations

from m2mauth.errors import InsufficientScope, InvalidToken, JwksUnavailable, TokenError

__all__ = ["Refusal", "credentials", "refusal"]


class Refusal:
    """A refused request: what to answer."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: dict[str, str], body: dict[str, str]) -> None:
        self.status = status
        self.headers = headers
        self.body = body


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', "'")


def credentials(authorization: str | None) -> str | None:
    """The ``Authorization`` header if it carries a Bearer or DPoP token, else None."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    return authorization if scheme.lower() in ("bearer", "dpop") and token.strip() else None


def missing() -> Refusal:
    """No bearer token at all (RFC 6750 §3.1: no error code)."""
    return Refusal(401, {"WWW-Authenticate": 'Bearer realm="api"'}, {"error": "invalid_request"})


def insufficient(scopes: str) -> Refusal:
    challenge = f'Bearer realm="api", error="insufficient_scope", scope="{_quoted(scopes)}"'
    return Refusal(403, {"WWW-Authenticate": challenge}, {"error": "insufficient_scope", "scope": scopes})


def refusal(error: TokenError, authorization: str = "") -> Refusal:
    """The answer for a verification of ``authorization`` that failed with ``error``."""
    if isinstance(error, InsufficientScope):
        return insufficient(error.detail or "")
    dpop = authorization.strip().lower().startswith("dpop ")
    if error.code == "dpop_proof" or (dpop and isinstance(error, InvalidToken)):
        # RFC 9449 §7.1: the DPoP scheme's own challenge.
        code = "invalid_dpop_proof" if error.code == "dpop_proof" else "invalid_token"
        description = _quoted(str(error))
        challenge = (
            f'DPoP error="{code}", error_description="{description}", algs="ES256 EdDSA RS256 PS256 ES384"'
        )
        return Refusal(401, {"WWW-Authenticate": challenge}, {"error": code, "error_description": str(error)})
    if isinstance(error, JwksUnavailable):
        # Not the client's fault: the keys could not be had.
        return Refusal(503, {"Retry-After": "5"}, {"error": "temporarily_unavailable"})
    if isinstance(error, InvalidToken):
        description = _quoted(str(error))
        challenge = f'Bearer realm="api", error="invalid_token", error_description="{description}"'
        return Refusal(
            401, {"WWW-Authenticate": challenge}, {"error": "invalid_token", "error_description": str(error)}
        )
    return Refusal(500, {}, {"error": "server_error"})
