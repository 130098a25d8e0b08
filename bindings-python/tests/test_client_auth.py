"""Key-based client authentication, DPoP and mTLS from Python: against the
test issuer (which checks assertions, proofs and certificates itself) and
against oidc-provider."""

from __future__ import annotations

import json
import pathlib
from typing import Callable

import httpx
import m2mauth
import pytest
import requests
from m2mauth.httpx import BearerAuth as HttpxAuth
from m2mauth.requests import BearerAuth as RequestsAuth
from m2mauth.testing import TestIssuer

from .conftest import KEYS, OidcProvider


def jwk(name: str) -> dict[str, object]:
    value: dict[str, object] = json.loads((KEYS / name).read_text())
    return value


def test_private_key_jwt_from_a_pem_file_and_an_inline_jwk(issuer: TestIssuer) -> None:
    issuer.register_client_key(jwk("ed25519.jwk.json"))
    issuer.register_client_key(jwk("rsa-2048.jwk.json"))
    from_file = issuer.token_source(
        client_secret=None, auth_method="private_key_jwt", private_key_file=str(KEYS / "ed25519.pem")
    )
    assert from_file.token().token_type == "Bearer"
    inline = issuer.token_source(
        client_secret=None,
        auth_method="private_key_jwt",
        private_key=(KEYS / "rsa-2048.jwk.json").read_text(),
        signing_alg="PS256",
    )
    inline.token()
    assert issuer.requests_served == 2
    body = issuer.recorded_requests()[1]["body"].decode()
    assert "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer" in body
    assert "client_secret" not in body


def test_bad_keys_are_config_errors_naming_the_option(issuer: TestIssuer) -> None:
    with pytest.raises(m2mauth.ConfigError) as raised:
        issuer.token_source(
            client_secret=None, auth_method="private_key_jwt", private_key_file=str(KEYS / "rsa-1024.pem")
        )
    assert raised.value.field == "private_key_file"
    assert "2048" in str(raised.value)
    with pytest.raises(m2mauth.ConfigError) as raised:
        issuer.token_source(
            client_secret=None,
            auth_method="private_key_jwt",
            private_key_file=str(KEYS / "ec-p256.pem"),
            signing_alg="RS256",
        )
    assert raised.value.field == "signing_alg"
    pem = (KEYS / "ec-p256.pem").read_text()
    assert pem[30:70] not in str(raised.value)


def test_an_unregistered_key_is_invalid_client(issuer: TestIssuer) -> None:
    source = issuer.token_source(
        client_secret=None, auth_method="private_key_jwt", private_key_file=str(KEYS / "ec-p384.pem")
    )
    with pytest.raises(m2mauth.InvalidClient) as raised:
        source.token()
    assert "does not verify" in (raised.value.error_description or "")


def dpop_issuer(issuer: TestIssuer) -> m2mauth.TokenSource:
    issuer.require_dpop_nonce(True)
    return issuer.token_source(dpop=True)


def test_requests_sends_dpop_proofs_and_answers_nonce_challenges(issuer: TestIssuer) -> None:
    source = dpop_issuer(issuer)
    with requests.Session() as session:
        session.auth = RequestsAuth(source)
        assert session.get(issuer.api_url, timeout=10).status_code == 200
        issuer.rotate_dpop_nonce()
        answer = session.get(issuer.api_url, timeout=10)
        assert answer.status_code == 200, answer.text
        assert [r.status_code for r in answer.history] == [401], "one challenge, then the retry"
    assert source.token().token_type == "DPoP"
    assert issuer.requests_served == 2, "the token endpoint's nonce round trip; the token was kept"


def test_httpx_sends_dpop_proofs_sync_and_async(issuer: TestIssuer) -> None:
    import asyncio

    source = dpop_issuer(issuer)
    with httpx.Client(auth=HttpxAuth(source)) as client:
        assert client.get(issuer.api_url).status_code == 200
        issuer.rotate_dpop_nonce()
        assert client.get(issuer.api_url).status_code == 200

    async def main() -> int:
        issuer.rotate_dpop_nonce()
        async with httpx.AsyncClient(auth=HttpxAuth(source)) as client:
            return (await client.get(issuer.api_url)).status_code

    assert asyncio.run(main()) == 200
    assert issuer.requests_served == 2


def test_dpop_proof_is_none_without_dpop(issuer: TestIssuer) -> None:
    assert issuer.token_source().dpop_proof("GET", issuer.api_url) is None


def test_mtls_with_certificates_from_the_test_issuer(tmp_path: pathlib.Path) -> None:
    with TestIssuer(tls=True) as issuer:
        ca = tmp_path / "ca.pem"
        ca.write_text(issuer.ca_pem or "")
        for method, self_signed in [("tls_client_auth", False), ("self_signed_tls_client_auth", True)]:
            cert, key = issuer.client_certificate(self_signed=self_signed)
            (tmp_path / f"{method}.pem").write_text(cert)
            (tmp_path / f"{method}-key.pem").write_text(key)
            source = issuer.token_source(
                client_secret=None,
                auth_method=method,
                client_cert_file=str(tmp_path / f"{method}.pem"),
                client_key_file=str(tmp_path / f"{method}-key.pem"),
                ca_file=str(ca),
            )
            assert source.token().access_token


def test_interop_private_key_jwt_and_dpop(oidc_provider: Callable[..., OidcProvider]) -> None:
    idp = oidc_provider()
    rsa = m2mauth.TokenSource(
        issuer=idp.issuer,
        client_id="rsa-key-client",
        auth_method="private_key_jwt",
        private_key_file=str(KEYS / "rsa-2048.pem"),
        resource="https://api.example.test",
    )
    assert rsa.token().access_token.startswith("eyJ")
    dpop = m2mauth.TokenSource(
        issuer=idp.issuer, client_id="dpop-client", client_secret="dpop-secret", dpop=True
    )
    assert dpop.token().token_type == "DPoP"
    assert idp.token_requests == 3, "one for RSA, two for the DPoP nonce"


def test_interop_mtls(oidc_provider: Callable[..., OidcProvider]) -> None:
    idp = oidc_provider(tls=True)
    tls = KEYS.parents[1] / "interop" / "oidc-provider" / "tls"
    source = m2mauth.TokenSource(
        issuer=idp.issuer,
        client_id="mtls-client",
        auth_method="tls_client_auth",
        client_cert_file=str(tls / "mtls-client.pem"),
        client_key_file=str(tls / "mtls-client-key.pem"),
        ca_file=idp.ca_file,
        resource="https://api.example.test",
    )
    assert source.token().access_token
