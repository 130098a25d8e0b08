"""FastAPI (and Starlette) glue: a dependency that checks the bearer token.

    from typing import Annotated
    from fastapi import Depends, FastAPI
    from m2mauth import Claims, Verifier
    from m2mauth.fastapi import require_token

    verifier = Verifier(issuer="https://auth.example.com/", audience="https://api.example.com")
    Reader = Annotated[Claims, Depends(require_token(verifier, scopes=["invoices:read"]))]
    app = FastAPI()

    @app.get("/invoices")
    async def invoices(claims: Reader):
        return {"client": claims.client_id}

Refusals follow RFC 6750 §3: 401 with ``WWW-Authenticate: Bearer
error="invalid_token"``, 403 with ``error="insufficient_scope", scope="…"``
(503 when the issuer's keys cannot be had). DPoP-bound tokens (RFC 9449)
need ``Authorization: DPoP`` and a valid ``DPoP`` proof for the request's
method and URL (behind a proxy, run the app so that ``request.url`` is the
URL the client used, e.g. uvicorn ``--proxy-headers``). The token is never echoed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from fastapi import HTTPException, Request

from m2mauth import _challenge
from m2mauth.errors import TokenError
from m2mauth.verifier import Claims, Verifier

__all__ = ["require_token"]


def _refuse(refusal: _challenge.Refusal) -> HTTPException:
    return HTTPException(status_code=refusal.status, detail=refusal.body, headers=refusal.headers)


def require_token(verifier: Verifier, scopes: Sequence[str] = ()) -> Callable[[Request], Awaitable[Claims]]:
    """A dependency that yields the ``Claims`` of the request's valid bearer
    token carrying every scope of ``scopes``, or refuses the request."""
    required = tuple(scopes)

    async def dependency(request: Request) -> Claims:
        authorization = _challenge.credentials(request.headers.get("authorization"))
        if authorization is None:
            raise _refuse(_challenge.missing())
        try:
            claims = await verifier.verify_request_async(
                authorization, request.method, str(request.url), request.headers.get("dpop"), required
            )
        except TokenError as error:
            raise _refuse(_challenge.refusal(error, authorization)) from None
        return claims

    return dependency
