"""Against an IdP someone else wrote and certified: panva's oidc-provider."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Callable

import m2mauth
import pytest

from .conftest import OidcProvider


def test_basic_client_via_discovery_is_cached(oidc_provider: Callable[..., OidcProvider]) -> None:
    idp = oidc_provider()
    source = m2mauth.TokenSource(
        issuer=idp.issuer, client_id="basic-client", client_secret="basic-secret", scopes=["api:read"]
    )
    first = source.token()
    assert first is source.token()
    assert first.scopes == ("api:read",)
    assert first.access_token.startswith("eyJ"), "an RFC 9068 JWT"
    assert idp.token_requests == 1


def test_post_client_async(oidc_provider: Callable[..., OidcProvider]) -> None:
    idp = oidc_provider()
    source = m2mauth.TokenSource(
        token_url=f"{idp.issuer}/token",
        client_id="post-client",
        client_secret="post-secret",
        auth_method="client_secret_post",
        resource="https://api.example.test",
    )

    async def main() -> list[m2mauth.AccessToken]:
        return await asyncio.gather(*(source.token_async() for _ in range(1000)))

    tokens = asyncio.run(main())
    assert len({t.access_token for t in tokens}) == 1
    assert idp.token_requests == 1


def test_two_hundred_threads_one_request(oidc_provider: Callable[..., OidcProvider]) -> None:
    idp = oidc_provider()
    source = m2mauth.TokenSource(issuer=idp.issuer, client_id="basic-client", client_secret="basic-secret")
    threads = [threading.Thread(target=source.token) for _ in range(200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert idp.token_requests == 1


def test_refresh_ahead_with_short_tokens(oidc_provider: Callable[..., OidcProvider]) -> None:
    idp = oidc_provider(ttl=4)
    source = m2mauth.TokenSource(issuer=idp.issuer, client_id="basic-client", client_secret="basic-secret")
    seen = set()
    end = time.monotonic() + 9
    while time.monotonic() < end:
        seen.add(source.token().access_token)
        time.sleep(0.02)
    # Let a background refresh still on its way back land before counting.
    settle_by = time.monotonic() + 5
    while idp.token_requests != source.stats().fetches and time.monotonic() < settle_by:
        time.sleep(0.01)
    stats = source.stats()
    assert len(seen) >= 3
    assert stats.waits == 1, stats
    assert idp.token_requests == stats.fetches


def test_refusals_are_typed(oidc_provider: Callable[..., OidcProvider]) -> None:
    idp = oidc_provider()
    with pytest.raises(m2mauth.InvalidClient) as caught:
        m2mauth.TokenSource(issuer=idp.issuer, client_id="basic-client", client_secret="wrong").token()
    assert caught.value.error_description == "client authentication failed"
    with pytest.raises(m2mauth.InvalidScope):
        m2mauth.TokenSource(
            issuer=idp.issuer, client_id="basic-client", client_secret="basic-secret", scopes="api:admin"
        ).token()


def test_the_providers_jwt_access_tokens_verify(oidc_provider: Callable[..., OidcProvider]) -> None:
    idp = oidc_provider()
    source = m2mauth.TokenSource(
        issuer=idp.issuer, client_id="basic-client", client_secret="basic-secret", scopes=["api:read"]
    )
    token = source.token().access_token
    verifier = m2mauth.Verifier(issuer=idp.issuer, audience="https://api.example.test", strict_typ=True)
    claims = verifier.verify(token, scopes=["api:read"])
    assert (claims.client_id, claims.issuer, claims.scopes) == ("basic-client", idp.issuer, ("api:read",))
    with pytest.raises(m2mauth.InsufficientScope):
        verifier.verify(token, scopes=["api:write"])
    header, payload, signature = token.split(".")
    with pytest.raises(m2mauth.InvalidToken) as raised:
        verifier.verify(f"{header}.{payload}.{signature[:-4]}AAAA")
    assert raised.value.code == "token_signature"
