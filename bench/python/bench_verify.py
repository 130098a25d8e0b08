"""Access-token verification cost and cold-start JWKS request counts, side by
side, in one process against one local issuer (m2mauth.testing.TestIssuer),
for RS256, ES256 and EdDSA tokens it mints:

- m2mauth           Verifier(issuer=..., audience=...).verify(token) /
                    await verify_async(token), JWKS cache warm
- PyJWT             jwt.decode(token, key, algorithms=[...], audience=...,
                    issuer=...) with the key object loaded once (PyJWK), and
                    the same behind PyJWKClient.get_signing_key_from_jwt (its
                    JWK set cache warm), as its docs show
- floor             cryptography's verify() of the token's signature over its
                    signing input, everything decoded beforehand: no base64,
                    no JSON, no claims

Run it with bench/run.sh verify (release builds). Prints medians of 7 runs;
BENCH_CALLS and BENCH_RUNS shrink them for a smoke run.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import threading
import time
import urllib.request
from functools import partial
from typing import Any, Callable

import jwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

import m2mauth
import timing
from m2mauth.testing import TestIssuer

CALLS = int(os.environ.get("BENCH_CALLS", "5000"))
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
STAMPEDE = 1_000
AUDIENCE = "https://api.example.com"
ALGS = ["RS256", "ES256", "EdDSA"]
FLOOR = "floor: cryptography verify() of the signing input"


def per_call_us(call: Callable[[], Any]) -> float:
    return timing.per_call_ns(call, CALLS, RUNS) / 1000


def per_await_us(make: Callable[[], Any]) -> float:
    return timing.per_await_ns(make, CALLS, RUNS) / 1000


def b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def floor_for(token: str, key: Any, alg: str) -> Callable[[], None]:
    """The bare signature check of ``token`` with cryptography."""
    header, payload, signature = token.split(".")
    signing_input = f"{header}.{payload}".encode()
    sig = b64(signature)
    if alg == "RS256":
        pkcs1, sha256 = padding.PKCS1v15(), hashes.SHA256()
        return lambda: key.verify(sig, signing_input, pkcs1, sha256)
    if alg == "ES256":
        der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
        ecdsa = ec.ECDSA(hashes.SHA256())
        return lambda: key.verify(der, signing_input, ecdsa)
    return lambda: key.verify(sig, signing_input)


def claims(issuer: TestIssuer) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": issuer.issuer,
        "aud": AUDIENCE,
        "sub": "svc",
        "client_id": "svc",
        "iat": now,
        "exp": now + 3600,
        "scope": "read write",
    }


def stampede(issuer: TestIssuer, call: Callable[[], Any], threads: int = STAMPEDE) -> tuple[int, int]:
    """JWKS requests (and failed calls) for ``threads`` threads at once."""
    before = issuer.jwks_requests
    barrier = threading.Barrier(threads)
    failures: list[Exception] = []

    def worker() -> None:
        barrier.wait()
        try:
            call()
        except Exception as error:  # counted and reported, not hidden
            failures.append(error)

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return issuer.jwks_requests - before, len(failures)


def stampede_async(
    issuer: TestIssuer, verifier: m2mauth.Verifier, token: str, callers: int = STAMPEDE
) -> tuple[int, int]:
    before = issuer.jwks_requests

    async def run() -> int:
        results = await asyncio.gather(
            *(verifier.verify_async(token) for _ in range(callers)), return_exceptions=True
        )
        return sum(isinstance(r, BaseException) for r in results)

    failures = asyncio.run(run())
    return issuer.jwks_requests - before, failures


def main() -> None:
    with TestIssuer() as issuer:
        tokens = {alg: issuer.mint(claims(issuer), alg=alg) for alg in ALGS}
        with urllib.request.urlopen(issuer.jwks_url) as answer:
            jwks = json.load(answer)
        by_kid = {k["kid"]: k for k in jwks["keys"]}

        # m2mauth, warm
        verifier = m2mauth.Verifier(issuer=issuer.issuer, audience=AUDIENCE)
        # PyJWT's JWKS client, warm
        jwks_client = jwt.PyJWKClient(issuer.jwks_url)

        rows: dict[str, dict[str, float]] = {}

        def row(name: str, alg: str, us: float) -> None:
            rows.setdefault(name, {})[alg] = us

        for alg in ALGS:
            token = tokens[alg]
            kid = jwt.get_unverified_header(token)["kid"]
            key = jwt.PyJWK(by_kid[kid], algorithm=alg).key  # a cryptography public key
            verifier.verify(token)
            jwks_client.get_signing_key_from_jwt(token)

            def pyjwt_preloaded(token: str = token, key: Any = key, alg: str = alg) -> dict[str, Any]:
                decoded: dict[str, Any] = jwt.decode(
                    token, key, algorithms=[alg], audience=AUDIENCE, issuer=issuer.issuer
                )
                return decoded

            def pyjwt_client(token: str = token, alg: str = alg) -> dict[str, Any]:
                signing_key = jwks_client.get_signing_key_from_jwt(token)
                decoded: dict[str, Any] = jwt.decode(
                    token, signing_key.key, algorithms=[alg], audience=AUDIENCE, issuer=issuer.issuer
                )
                return decoded

            assert pyjwt_preloaded()["sub"] == pyjwt_client()["sub"] == verifier.verify(token)["sub"] == "svc"
            row(FLOOR, alg, per_call_us(floor_for(token, key, alg)))
            row("m2mauth Verifier.verify()", alg, per_call_us(partial(verifier.verify, token)))
            row(
                "m2mauth await Verifier.verify_async()",
                alg,
                per_await_us(partial(verifier.verify_async, token)),
            )
            row("PyJWT jwt.decode() with a pre-loaded key", alg, per_call_us(pyjwt_preloaded))
            row("PyJWT PyJWKClient + jwt.decode() (cached JWKS)", alg, per_call_us(pyjwt_client))

        floor = rows[FLOOR]
        print(f"verify a JWT access token, us/verify (median of {RUNS} x {CALLS:,}), issuer {issuer.issuer}")
        print(f"  {'':<50}" + "".join(f"{alg:>20}" for alg in ALGS))
        for name, figures in rows.items():
            cells = "".join(f" {figures[alg]:9.1f} us {figures[alg] / floor[alg]:5.2f}x" for alg in ALGS)
            print(f"  {name:<50}{cells}")
        print(
            "  verifications/s, single thread: "
            + ", ".join(f"{alg} m2mauth {1e6 / rows['m2mauth Verifier.verify()'][alg]:,.0f}" for alg in ALGS)
        )

        # Cold starts: 1,000 callers at once on a cold verifier, a 50 ms JWKS.
        issuer.set_jwks_delay(0.05)
        token = tokens["RS256"]
        print(f"JWKS requests for {STAMPEDE:,} verifications at once, cold verifier, 50 ms JWKS (failures)")
        cold = m2mauth.Verifier(issuer=issuer.issuer, audience=AUDIENCE)
        requests, failed = stampede(issuer, partial(cold.verify, token))
        print(f"  {'m2mauth Verifier.verify(), threads':<50} {requests:5d} ({failed})")
        cold = m2mauth.Verifier(issuer=issuer.issuer, audience=AUDIENCE)
        requests, failed = stampede_async(issuer, cold, token)
        print(f"  {'m2mauth await verify_async(), asyncio.gather':<50} {requests:5d} ({failed})")
        cold_client = jwt.PyJWKClient(issuer.jwks_url)

        def pyjwt_cold() -> None:
            jwt.decode(
                token,
                cold_client.get_signing_key_from_jwt(token).key,
                algorithms=["RS256"],
                audience=AUDIENCE,
                issuer=issuer.issuer,
            )

        requests, failed = stampede(issuer, pyjwt_cold)
        print(f"  {'PyJWT PyJWKClient + jwt.decode(), threads':<50} {requests:5d} ({failed})")
        issuer.set_jwks_delay(0)


if __name__ == "__main__":
    main()
