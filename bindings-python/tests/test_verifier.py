"""Verifier: tokens of every algorithm, forged and broken ones by the code
of the rule they break, the JWKS cache's promises, introspection and
revocation."""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime
import time
from typing import Any

import m2mauth
import pytest
from m2mauth.testing import TestIssuer

API = "https://api.example.com"


def good(issuer: TestIssuer, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer.issuer,
        "aud": API,
        "sub": "svc",
        "client_id": "svc",
        "iat": now,
        "exp": now + 600,
        "scope": "read write",
        "stt": 1,
    }
    for name, value in changes.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def test_a_token_of_each_algorithm_verifies_and_claims_are_a_mapping(issuer: TestIssuer) -> None:
    verifier = issuer.verifier(audience=API)
    for alg in ["EdDSA", "ES256", "RS256", "PS256"]:
        claims = verifier.verify(issuer.mint(good(issuer), alg=alg))
        assert isinstance(claims, m2mauth.Claims)
        assert claims["sub"] == "svc" and claims.get("stt") == 1
        assert (claims.subject, claims.client_id, claims.issuer) == ("svc", "svc", issuer.issuer)
        assert claims.audience == (API,)
        assert claims.scopes == ("read", "write")
        assert isinstance(claims.expires_at, datetime.datetime) and claims.expires_at.tzinfo is not None
        assert dict(claims)["aud"] == API
    assert issuer.jwks_requests == 1


@pytest.mark.parametrize(
    ("what", "mint", "code"),
    [
        ("alg none", lambda i: i.mint(good(i), alg_header="none", unsigned=True), "token_algorithm"),
        ("HS256 with the public key", lambda i: i.mint(good(i), alg_header="HS256"), "token_algorithm"),
        ("a forged kid", lambda i: i.mint(good(i), forged=True), "token_unknown_key"),
        ("expired", lambda i: i.mint(good(i, exp=int(time.time()) - 120)), "token_expired"),
        ("not yet valid", lambda i: i.mint(good(i, nbf=int(time.time()) + 600)), "token_not_yet_valid"),
        ("exp as a string", lambda i: i.mint(good(i, exp=str(int(time.time()) + 600))), "token_claim"),
        ("no aud", lambda i: i.mint(good(i, aud=None)), "token_audience"),
        ("another audience", lambda i: i.mint(good(i, aud="https://other.example")), "token_audience"),
        ("another issuer", lambda i: i.mint(good(i, iss="https://evil.example")), "token_issuer"),
        ("an ID token", lambda i: i.mint(good(i), typ="id_token+jwt"), "token_type"),
        ("stt of another value", lambda i: i.mint(good(i, stt=2)), "token_claim"),
        ("not a JWT", lambda i: "opaque", "token_malformed"),
    ],
)
def test_forged_and_broken_tokens(issuer: TestIssuer, what: str, mint: Any, code: str) -> None:
    verifier = issuer.verifier(audience=API, required_claims={"stt": 1})
    token = mint(issuer)
    with pytest.raises(m2mauth.InvalidToken) as raised:
        verifier.verify(token)
    assert raised.value.code == code, what
    assert raised.value.family == "invalid_token"
    assert token not in str(raised.value)


def test_scopes_and_their_exception(issuer: TestIssuer) -> None:
    verifier = issuer.verifier(audience=API, required_scopes=["read", "admin"])
    with pytest.raises(m2mauth.InsufficientScope) as raised:
        verifier.verify(issuer.mint(good(issuer)))
    assert (raised.value.code, raised.value.detail) == ("insufficient_scope", "admin")


def test_a_cold_stampede_makes_one_jwks_request_and_the_gil_is_released(issuer: TestIssuer) -> None:
    issuer.set_jwks_delay(0.3)
    verifier = issuer.verifier(audience=API)
    token = issuer.mint(good(issuer))
    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        results = list(pool.map(verifier.verify, [token] * 200))
    assert all(r.subject == "svc" for r in results)
    assert issuer.jwks_requests == 1


def test_forged_kids_do_not_reach_the_idp_and_warm_keys_survive_an_outage(issuer: TestIssuer) -> None:
    verifier = issuer.verifier(audience=API)
    token = issuer.mint(good(issuer))
    verifier.verify(token)
    issuer.fail_jwks(503)
    for i in range(300):
        with pytest.raises(m2mauth.InvalidToken):
            verifier.verify(issuer.mint(good(issuer), forged=True, kid=f"forged-{i}"))
        assert verifier.verify(token).subject == "svc"
    assert issuer.jwks_requests <= 2, "one refetch at most for the forged kids"
    cold = m2mauth.Verifier(jwks_url=issuer.jwks_url, audience=API, timeout=0.5)
    with pytest.raises(m2mauth.JwksUnavailable) as raised:
        cold.verify(token)
    assert raised.value.code == "jwks_unavailable"


def test_verify_async_in_asyncio(issuer: TestIssuer) -> None:
    verifier = issuer.verifier(audience=API)
    token = issuer.mint(good(issuer), alg="ES256")

    async def main() -> list[m2mauth.Claims]:
        return await asyncio.gather(*(verifier.verify_async(token) for _ in range(50)))

    assert all(c.subject == "svc" for c in asyncio.run(main()))

    async def refused() -> None:
        await verifier.verify_async(issuer.mint(good(issuer, aud="x")))

    with pytest.raises(m2mauth.InvalidToken):
        asyncio.run(refused())


def test_opaque_tokens_are_introspected_and_revoked(issuer: TestIssuer) -> None:
    issuer.set_tokens(format="opaque")
    source = issuer.token_source(audience=API, scopes=["read"], revocation_url=issuer.revocation_url)
    token = source.token()
    verifier = issuer.verifier(audience=API, client_id=issuer.client_id, client_secret=issuer.client_secret)
    assert verifier.verify(token.access_token).client_id == issuer.client_id
    assert verifier.introspect(token.access_token)["active"] is True
    source.revoke(token)
    fresh = issuer.verifier(audience=API, client_id=issuer.client_id, client_secret=issuer.client_secret)
    with pytest.raises(m2mauth.InvalidToken) as raised:
        fresh.verify(token.access_token)
    assert raised.value.code == "token_inactive"
    assert fresh.introspect(token.access_token) == {"active": False}
    assert issuer.revocation_requests == 1


def test_configuration_errors_name_the_option() -> None:
    with pytest.raises(m2mauth.ConfigError) as raised:
        m2mauth.Verifier(issuer="https://idp.example")
    assert raised.value.field == "audience"
    with pytest.raises(m2mauth.ConfigError) as raised:
        m2mauth.Verifier(issuer="https://idp.example", audience="api", algorithms=["none"])
    assert raised.value.field == "algorithms"
    with pytest.raises(TypeError):
        m2mauth.Verifier(issuer="https://idp.example", audience="api", audiences="api")
