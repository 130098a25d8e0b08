"""The HTTP glue with the real frameworks: a FastAPI dependency and a Flask
decorator, answering as RFC 6750 §3 says and never echoing the token."""

# No `from __future__ import annotations`: FastAPI reads the local Annotated aliases at definition time.
import time
from typing import Annotated, Any

import flask
import m2mauth
import m2mauth.fastapi
import m2mauth.flask
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from m2mauth.testing import TestIssuer

API = "https://api.example.com"


def claims(issuer: TestIssuer, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {"iss": issuer.issuer, "aud": API, "sub": "svc", "exp": now + 600, "scope": "read"}
    base.update(changes)
    return base


def test_fastapi_dependency(issuer: TestIssuer) -> None:
    verifier = issuer.verifier(audience=API)
    app = FastAPI()
    ReadClaims = Annotated[m2mauth.Claims, Depends(m2mauth.fastapi.require_token(verifier, scopes=["read"]))]
    AdminClaims = Annotated[
        m2mauth.Claims, Depends(m2mauth.fastapi.require_token(verifier, scopes=["admin"]))
    ]

    @app.get("/read")
    async def read(c: ReadClaims) -> Any:
        return {"sub": c.subject}

    @app.get("/admin")
    async def admin(c: AdminClaims) -> Any:
        return {"sub": c.subject}

    client = TestClient(app)
    good = issuer.mint(claims(issuer))
    response = client.get("/read", headers={"Authorization": f"Bearer {good}"})
    assert (response.status_code, response.json()) == (200, {"sub": "svc"})
    response = client.get("/read")
    assert response.status_code == 401 and response.headers["www-authenticate"].startswith("Bearer")
    expired = issuer.mint(claims(issuer, exp=1000))
    response = client.get("/read", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert expired not in response.text and expired not in response.headers["www-authenticate"]
    response = client.get("/admin", headers={"Authorization": f"Bearer {good}"})
    assert response.status_code == 403
    assert response.headers["www-authenticate"] == (
        'Bearer realm="api", error="insufficient_scope", scope="admin"'
    )


def test_flask_decorator(issuer: TestIssuer) -> None:
    verifier = issuer.verifier(audience=API)
    app = flask.Flask(__name__)

    @app.get("/read")
    @m2mauth.flask.require_token(verifier, scopes=["read"])
    def read() -> Any:
        return {"sub": flask.g.m2mauth_claims.subject}

    @app.get("/admin")
    @m2mauth.flask.require_token(verifier, scopes=["admin"])
    def admin() -> Any:
        return {"sub": flask.g.m2mauth_claims.subject}

    client = app.test_client()
    good = issuer.mint(claims(issuer))
    response = client.get("/read", headers={"Authorization": f"Bearer {good}"})
    assert (response.status_code, response.get_json()) == (200, {"sub": "svc"})
    assert client.get("/read").status_code == 401
    forged = issuer.mint(claims(issuer), forged=True)
    response = client.get("/read", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401 and 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert forged not in response.get_data(as_text=True)
    response = client.get("/admin", headers={"Authorization": f"Bearer {good}"})
    assert response.status_code == 403
    assert 'scope="admin"' in response.headers["WWW-Authenticate"]


def test_dpop_bound_tokens_need_their_proof_in_fastapi_and_flask(issuer: TestIssuer) -> None:
    verifier = issuer.verifier(audience=API)
    source = issuer.token_source(dpop=True, audience=API)
    token = source.token()
    assert token.token_type == "DPoP"
    app = FastAPI()
    Reader = Annotated[m2mauth.Claims, Depends(m2mauth.fastapi.require_token(verifier, scopes=["read"]))]

    @app.get("/orders")
    async def orders(c: Reader) -> Any:
        return {"sub": c.subject}

    client = TestClient(app)
    url = "http://testserver/orders"
    scoped = issuer.token_source(dpop=True, audience=API, scopes=["read"])
    bound = scoped.token()
    proof = scoped.dpop_proof("GET", url, bound.access_token)
    response = client.get(
        "/orders", headers={"Authorization": bound.authorization_header, "DPoP": proof or ""}
    )
    assert response.status_code == 200, response.text
    replayed = client.get(
        "/orders", headers={"Authorization": bound.authorization_header, "DPoP": proof or ""}
    )
    assert (
        replayed.status_code == 401 and 'error="invalid_dpop_proof"' in replayed.headers["www-authenticate"]
    )
    bare = client.get("/orders", headers={"Authorization": f"Bearer {bound.access_token}"})
    assert bare.status_code == 401 and bare.headers["www-authenticate"].startswith("DPoP")

    flask_app = flask.Flask(__name__)

    @flask_app.get("/orders")
    @m2mauth.flask.require_token(verifier, scopes=["read"])
    def flask_orders() -> Any:
        return {"sub": flask.g.m2mauth_claims.subject}

    with flask_app.test_client() as flask_client:
        proof = scoped.dpop_proof("GET", "http://localhost/orders", bound.access_token)
        answer = flask_client.get(
            "/orders", headers={"Authorization": bound.authorization_header, "DPoP": proof or ""}
        )
        assert answer.status_code == 200, answer.get_data(as_text=True)
        missing = flask_client.get("/orders", headers={"Authorization": bound.authorization_header})
        assert (
            missing.status_code == 401 and 'error="invalid_dpop_proof"' in missing.headers["WWW-Authenticate"]
        )
