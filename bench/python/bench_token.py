"""Cached-token cost and cold-start request counts, side by side, in one
process against one local issuer (m2mauth.testing.TestIssuer):

- m2mauth           TokenSource.token() / await token_async()
- httpx-auth        OAuth2ClientCredentials: the token cache lookup, and the
                    auth flow a request runs
- authlib           OAuth2Session.ensure_active_token() + token["access_token"]
- floor             a trivial pyo3 method returning a cached str

Run it with bench/run.sh python (release builds). Prints medians of 7 runs.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

import httpx
from authlib.integrations.requests_client import OAuth2Session
from httpx_auth import OAuth2, OAuth2ClientCredentials
from m2mauth_bench_floor import Floor

import timing
from m2mauth.testing import TestIssuer

CALLS = 200_000
RUNS = 7


def per_call_ns(call: Callable[[], Any]) -> float:
    return timing.per_call_ns(call, CALLS, RUNS)


def per_await_ns(make: Callable[[], Any]) -> float:
    return timing.per_await_ns(make, CALLS, RUNS)


def stampede(issuer: TestIssuer, call: Callable[[], Any], threads: int = 100) -> int:
    before = issuer.requests_served
    barrier = threading.Barrier(threads)

    def worker() -> None:
        barrier.wait()
        call()

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return issuer.requests_served - before


def main() -> None:
    with TestIssuer(latency=0.05) as issuer:
        # m2mauth
        source = issuer.token_source()
        source.token()
        # httpx-auth
        httpx_auth = OAuth2ClientCredentials(issuer.token_url, client_id=issuer.client_id, client_secret=issuer.client_secret)
        dummy = httpx.Request("GET", "http://127.0.0.1/")
        next(httpx_auth.sync_auth_flow(dummy))

        def httpx_auth_cache() -> str:
            token: str = OAuth2.token_cache.get_token(
                httpx_auth.state, early_expiry=httpx_auth.early_expiry, on_missing_token=httpx_auth.request_new_token
            )
            return token

        def httpx_auth_flow() -> None:
            next(httpx_auth.sync_auth_flow(httpx.Request("GET", "http://127.0.0.1/")))

        # authlib
        session = OAuth2Session(
            issuer.client_id,
            issuer.client_secret,
            token_endpoint=issuer.token_url,
            grant_type="client_credentials",
        )
        session.fetch_token()

        def authlib_cached() -> str:
            session.ensure_active_token()
            token: str = session.token["access_token"]
            return token

        floor = Floor("eyJ-a-cached-token")

        def m2mauth_token() -> str:  # as users call it: the token's text read
            return source.token().access_token

        async def m2mauth_token_async() -> str:
            return (await source.token_async()).access_token

        rows = [
            ("floor: pyo3 method returning a cached str", per_call_ns(floor.get)),
            ("m2mauth TokenSource.token().access_token", per_call_ns(m2mauth_token)),
            ("m2mauth (await TokenSource.token_async()).access_token", per_await_ns(m2mauth_token_async)),
            ("httpx-auth token cache get_token()", per_call_ns(httpx_auth_cache)),
            ("httpx-auth auth flow on a request", per_call_ns(httpx_auth_flow)),
            ("authlib ensure_active_token() + token[...]", per_call_ns(authlib_cached)),
        ]
        floor_ns = rows[0][1]
        print(f"cached token, ns/call (median of {RUNS} x {CALLS:,} calls), issuer {issuer.issuer}")
        for name, ns in rows:
            print(f"  {name:<46} {ns:8.1f} ns   {ns / floor_ns:5.2f}x floor")

        # Cold starts: 100 threads at once against a 50 ms IdP.
        fresh_source = issuer.token_source()
        OAuth2.token_cache.clear()
        expired = OAuth2Session(
            issuer.client_id, issuer.client_secret, token_endpoint=issuer.token_url, grant_type="client_credentials"
        )
        expired.fetch_token()
        expired.token["expires_at"] = int(time.time()) - 10  # authlib cannot start cold: expire its token instead
        print("token requests for 100 threads at once (50 ms IdP)")
        print(f"  {'m2mauth, cold cache':<46} {stampede(issuer, fresh_source.token):5d}")
        print(f"  {'httpx-auth, cold cache':<46} {stampede(issuer, httpx_auth_cache):5d}")
        print(f"  {'authlib, expired token':<46} {stampede(issuer, expired.ensure_active_token):5d}")


if __name__ == "__main__":
    main()
