"""Uses the public API the way applications do; `mypy --strict` checks it
against the type stubs (tests/test_typing.py)."""

from __future__ import annotations

import asyncio
import datetime

import httpx
import m2mauth
import m2mauth.httpx
import m2mauth.requests
import requests
from m2mauth.testing import TestIssuer


def headers(source: m2mauth.TokenSource) -> dict[str, str]:
    token: m2mauth.AccessToken = source.token()
    expires: datetime.datetime = token.expires_at
    scopes: tuple[str, ...] = token.scopes
    assert expires.tzinfo is not None and isinstance(scopes, tuple)
    return {"Authorization": token.authorization_header}


async def async_header(source: m2mauth.TokenSource) -> str:
    token = await source.token_async()
    return token.authorization_header


def main() -> None:
    with TestIssuer(token_lifetime=60) as issuer:
        source = m2mauth.TokenSource(
            token_url=issuer.token_url,
            client_id=issuer.client_id,
            client_secret=issuer.client_secret,
            scopes=["read"],
            timeout=datetime.timedelta(seconds=5),
            retries=1,
        )
        headers(source)
        asyncio.run(async_header(source))
        requests.get(issuer.api_url, auth=m2mauth.requests.BearerAuth(source), timeout=5)
        httpx.get(issuer.api_url, auth=m2mauth.httpx.BearerAuth(source))
        try:
            m2mauth.TokenSource.from_env("NOT_SET").token()
        except m2mauth.ConfigError as error:
            field: str | None = error.field
            print(field)
        except m2mauth.RateLimited as error:
            wait: float | None = error.retry_after
            print(wait)
        stats: m2mauth.Stats = source.stats()
        print(stats.fetches, source.invalidate(source.token()))


if __name__ == "__main__":
    main()
