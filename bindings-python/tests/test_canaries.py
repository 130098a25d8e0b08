"""Canaries: a unique secret, signing key and token, every error path driven
with logging at its most verbose, and an IdP that echoes the request back.
No canary, in any form the SDK sends it (raw, form-urlencoded, the base64
Basic pair, JSON-escaped), may appear in a log line, an exception's text or
repr, or the repr of a source, token or stats."""

from __future__ import annotations

import base64
import json
import pathlib
import time
import urllib.parse
import urllib.request

import m2mauth
import pytest
from m2mauth.testing import TestIssuer

SECRET = "canary-s3cret/+=&%"
KEYS = pathlib.Path(__file__).resolve().parents[2] / "tests" / "vectors" / "keys"


def forms(client_id: str, secret: str) -> list[str]:
    pair = f"{urllib.parse.quote_plus(client_id)}:{urllib.parse.quote_plus(secret)}"
    return [
        secret,
        urllib.parse.quote_plus(secret),
        urllib.parse.quote(secret, safe=""),
        base64.b64encode(pair.encode()).decode(),
        json.dumps(secret)[1:-1],
    ]


def fault(issuer: TestIssuer, spec: dict[str, object]) -> None:
    request = urllib.request.Request(
        f"{issuer.issuer}/_testkit/fault", data=json.dumps(spec).encode(), method="POST"
    )
    request.add_header("content-type", "application/json")
    urllib.request.urlopen(request, timeout=5).read()


def test_no_canary_escapes_from_any_error_path(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(1, logger="m2mauth")  # below DEBUG: everything the core emits
    seen: list[str] = []
    with TestIssuer(client_secret=SECRET) as issuer:
        source = issuer.token_source(timeout=2, retries=0)
        seen += [repr(source), repr(source.stats())]
        token = source.token()
        seen += [repr(token), str(token)]
        source.invalidate(token)
        for spec in (
            {"echo": True},
            {"status": 401, "body": json.dumps({"error": "invalid_client", "error_description": SECRET})},
            {
                "status": 400,
                "body": json.dumps(
                    {"error": "invalid_request", "error_description": forms("test-client", SECRET)[3]}
                ),
            },
            {"status": 503, "retry_after": "1"},
            {"status": 200, "body": "not json " + SECRET},
            {"hang": True},
        ):
            fault(issuer, spec)
            with pytest.raises(m2mauth.TokenError) as raised:
                source.token()
            seen += [str(raised.value), repr(raised.value), repr(raised.value.args)]
            seen += [str(v) for v in vars(raised.value).values()]
            issuer.clear_faults()
            source = issuer.token_source(timeout=2, retries=0)
        wrong = issuer.token_source(client_secret=SECRET + "-wrong", timeout=2, retries=0)
        with pytest.raises(m2mauth.InvalidClient) as refused:
            wrong.token()
        seen += [str(refused.value), repr(refused.value), repr(wrong)]
    time.sleep(0.3)  # the logging bridge forwards from its own thread
    seen += [record.getMessage() for record in caplog.records]
    assert any("invalid_client" in text for text in seen), "the paths were really driven"
    leaks = [(form, text) for text in seen for form in forms("test-client", SECRET) if form in text]
    assert not leaks, leaks[:3]


def test_no_key_material_in_errors_or_reprs() -> None:
    pem = (KEYS / "rsa-2048.pem").read_text()
    body = "".join(line for line in pem.splitlines() if not line.startswith("-----"))
    canaries = [body[40:80], body[-80:-40]]
    with TestIssuer() as issuer:
        source = issuer.token_source(
            auth_method="private_key_jwt", private_key=pem, client_secret=None, timeout=2, retries=0
        )
        seen = [repr(source)]
        with pytest.raises(m2mauth.TokenError) as raised:  # the issuer does not know this key
            source.token()
        seen += [str(raised.value), repr(raised.value)]
        with pytest.raises(m2mauth.ConfigError) as bad:
            issuer.token_source(auth_method="private_key_jwt", private_key=pem[:-200], client_secret=None)
        seen += [str(bad.value), repr(bad.value)]
    leaks = [c for c in canaries for text in seen if c in text]
    assert not leaks
