"""``httpx`` glue: ``httpx.Client(auth=BearerAuth(source))`` and
``httpx.AsyncClient(auth=BearerAuth(source))``.

Importing this module imports ``httpx`` (``pip install m2mauth[httpx]``).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator

import httpx

from m2mauth._native import AccessToken, TokenSource

__all__ = ["BearerAuth"]


class BearerAuth(httpx.Auth):
    """Adds ``Authorization: Bearer <token>`` from ``source`` (for a DPoP
    source, ``Authorization: DPoP <token>`` and a ``DPoP`` proof). When the
    server answers 401, sends the request once more: with a new proof when
    it asked for a DPoP nonce, else with a fresh token. The async flow never
    blocks the event loop."""

    # httpx reads the body first, so that it can be sent again after a 401.
    requires_request_body = True

    def __init__(self, source: TokenSource) -> None:
        self.source = source

    def _authorize(self, request: httpx.Request, token: AccessToken) -> None:
        request.headers["Authorization"] = token.authorization_header
        proof = None
        if token.token_type == "DPoP":
            proof = self.source.dpop_proof(request.method, str(request.url), token.access_token)
        if proof is None:
            request.headers.pop("DPoP", None)
        else:
            request.headers["DPoP"] = proof

    def _challenged(self, request: httpx.Request, response: httpx.Response) -> bool:
        """Whether the answer asks for a DPoP nonce (recorded); records any other nonce too."""
        url = str(request.url)
        nonce = response.headers.get("DPoP-Nonce")
        challenged = self.source.accept_dpop_challenge(
            url, response.status_code, response.headers.get("WWW-Authenticate"), nonce
        )
        if nonce is not None and not challenged:
            self.source.record_dpop_nonce(url, nonce)
        return challenged

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self.source.token()
        self._authorize(request, token)
        response = yield request
        if self._challenged(request, response):
            self._authorize(request, token)
            yield request
        elif response.status_code == 401:
            self.source.invalidate(token)
            self._authorize(request, self.source.token())
            yield request

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self.source.token_async()
        self._authorize(request, token)
        response = yield request
        if self._challenged(request, response):
            self._authorize(request, token)
            yield request
        elif response.status_code == 401:
            self.source.invalidate(token)
            self._authorize(request, await self.source.token_async())
            yield request
