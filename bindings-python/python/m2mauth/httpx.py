"""``httpx`` glue: ``httpx.Client(auth=BearerAuth(source))`` and
``httpx.AsyncClient(auth=BearerAuth(source))``.

Importing this module imports ``httpx`` (``pip install m2mauth[httpx]``).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator

import httpx

from m2mauth._native import TokenSource

__all__ = ["BearerAuth"]


class BearerAuth(httpx.Auth):
    """Adds ``Authorization: Bearer <token>`` from ``source``. When the server
    answers 401, drops that token and sends the request once more with a
    fresh one. The async flow never blocks the event loop."""

    # httpx reads the body first, so that it can be sent again after a 401.
    requires_request_body = True

    def __init__(self, source: TokenSource) -> None:
        self.source = source

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self.source.token()
        request.headers["Authorization"] = token.authorization_header
        response = yield request
        if response.status_code == 401:
            self.source.invalidate(token)
            request.headers["Authorization"] = self.source.token().authorization_header
            yield request

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self.source.token_async()
        request.headers["Authorization"] = token.authorization_header
        response = yield request
        if response.status_code == 401:
            self.source.invalidate(token)
            fresh = await self.source.token_async()
            request.headers["Authorization"] = fresh.authorization_header
            yield request
