"""requests and httpx glue against a real local API that checks the bearer
token (the test issuer's protected API): 401 → one invalidate-and-retry."""

from __future__ import annotations

import asyncio

import httpx
import m2mauth.httpx
import m2mauth.requests
import requests
from m2mauth.testing import TestIssuer


def test_requests_adds_the_token_and_retries_once_after_a_401(issuer: TestIssuer) -> None:
    source = issuer.token_source()
    auth = m2mauth.requests.BearerAuth(source)
    with requests.Session() as session:
        assert session.get(issuer.api_url, auth=auth).status_code == 200
        issuer.revoke_issued_tokens()
        response = session.post(issuer.api_url, json={"invoice": 1}, auth=auth)
    assert response.status_code == 200
    assert [r.status_code for r in response.history] == [401]
    assert issuer.requests_served == 2, "one new token after the 401"
    assert issuer.api_requests == 3, "200, then 401 and its single retry"


def test_requests_does_not_retry_twice(issuer: TestIssuer) -> None:
    source = issuer.token_source()
    auth = m2mauth.requests.BearerAuth(source)
    response = requests.get(issuer.api_url, auth=auth, headers={})
    assert response.status_code == 200
    # A token the API never accepts: every token is revoked as soon as issued.
    issuer.revoke_issued_tokens()
    source.invalidate(source.token())
    issuer.fail_always(200, body='{"access_token":"not-a-jwt","expires_in":3600}')
    response = requests.get(issuer.api_url, auth=auth)
    assert response.status_code == 401, "the retry's answer is returned as it is"
    assert issuer.api_requests == 3


def test_httpx_sync_client(issuer: TestIssuer) -> None:
    source = issuer.token_source()
    with httpx.Client(auth=m2mauth.httpx.BearerAuth(source)) as client:
        assert client.get(issuer.api_url).status_code == 200
        issuer.revoke_issued_tokens()
        response = client.post(issuer.api_url, json={"invoice": 1})
    assert response.status_code == 200
    assert issuer.requests_served == 2
    assert issuer.api_requests == 3


def test_httpx_async_client(issuer: TestIssuer) -> None:
    source = issuer.token_source()

    async def main() -> httpx.Response:
        async with httpx.AsyncClient(auth=m2mauth.httpx.BearerAuth(source)) as client:
            assert (await client.get(issuer.api_url)).status_code == 200
            issuer.revoke_issued_tokens()
            return await client.get(issuer.api_url)

    assert asyncio.run(main()).status_code == 200
    assert issuer.requests_served == 2
    assert issuer.api_requests == 3
