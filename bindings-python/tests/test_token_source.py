"""TokenSource against the test issuer: caching, concurrency, refresh-ahead,
typed errors, configuration. Assertions count requests; no timing asserts."""

from __future__ import annotations

import asyncio
import datetime
import threading
import time

import m2mauth
import pytest
from m2mauth.testing import TestIssuer


def test_fetches_once_and_reuses_the_same_objects(issuer: TestIssuer) -> None:
    source = issuer.token_source(scopes=["read", "write"])
    first = source.token()
    second = source.token()
    assert first is second
    assert first.access_token is second.access_token, "no new Python string on the cached path"
    assert issuer.requests_served == 1
    assert first.token_type == "Bearer"
    assert first.scopes == ("read", "write")
    assert first.authorization_header == f"Bearer {first.access_token}"
    assert first.expires_at.tzinfo is not None
    assert 3590 < (first.expires_at - datetime.datetime.now(datetime.timezone.utc)).total_seconds() <= 3600
    assert 3590 < first.expires_in <= 3600
    assert source.authorization_header() == first.authorization_header
    stats = source.stats()
    assert (stats.fetches, stats.waits, stats.failures) == (1, 1, 0)
    assert stats.cache_hits >= 2


def test_async_fetch_and_cache(issuer: TestIssuer) -> None:
    source = issuer.token_source()

    async def main() -> tuple[m2mauth.AccessToken, m2mauth.AccessToken]:
        return await source.token_async(), await source.token_async()

    first, second = asyncio.run(main())
    assert first is second
    assert issuer.requests_served == 1


def test_the_cached_async_path_does_not_touch_the_event_loop(issuer: TestIssuer) -> None:
    source = issuer.token_source()
    token = source.token()
    awaitable = source.token_async()
    assert not isinstance(awaitable, asyncio.Future), "a ready awaitable, not an asyncio future"
    assert awaitable is source.token_async(), "and the same one while the token is unchanged"

    async def twice() -> list[m2mauth.AccessToken]:
        return [await awaitable, await awaitable]

    assert asyncio.run(twice()) == [token, token]


def test_two_hundred_threads_on_a_cold_cache_make_one_request() -> None:
    with TestIssuer(latency=0.2) as issuer:
        source = issuer.token_source()
        barrier = threading.Barrier(200)
        tokens: list[m2mauth.AccessToken] = []

        def call() -> None:
            barrier.wait()
            tokens.append(source.token())

        threads = [threading.Thread(target=call) for _ in range(200)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert len(tokens) == 200
        assert len({t.access_token for t in tokens}) == 1
        assert issuer.requests_served == 1


def test_a_thousand_tasks_on_a_cold_cache_make_one_request() -> None:
    with TestIssuer(latency=0.2) as issuer:
        source = issuer.token_source()

        async def main() -> list[m2mauth.AccessToken]:
            return await asyncio.gather(*(source.token_async() for _ in range(1000)))

        tokens = asyncio.run(main())
        assert len({t.access_token for t in tokens}) == 1
        assert issuer.requests_served == 1


def test_several_event_loops_in_several_threads_share_the_source() -> None:
    with TestIssuer(latency=0.1) as issuer:
        source = issuer.token_source()
        results: list[str] = []

        def loop_thread() -> None:
            async def main() -> list[m2mauth.AccessToken]:
                return await asyncio.gather(*(source.token_async() for _ in range(50)))

            results.extend(t.access_token for t in asyncio.run(main()))

        threads = [threading.Thread(target=loop_thread) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert len(results) == 200
        assert len(set(results)) == 1
        assert issuer.requests_served == 1


def test_a_cancelled_await_does_not_cancel_the_fetch() -> None:
    with TestIssuer(latency=0.3) as issuer:
        source = issuer.token_source()

        async def main() -> m2mauth.AccessToken:
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(source.token_async(), 0.05)
            return await source.token_async()

        asyncio.run(main())
        assert issuer.requests_served == 1


def test_refresh_ahead_across_expiry_makes_nobody_wait() -> None:
    # 4 s tokens are refreshed from about 3.2 s and served until 3.6 s.
    with TestIssuer(token_lifetime=4, latency=0.05) as issuer:
        source = issuer.token_source()
        seen: list[m2mauth.AccessToken] = []
        end = time.monotonic() + 9
        while time.monotonic() < end:
            token = source.token()
            if not seen or seen[-1] is not token:
                seen.append(token)
            assert token.expires_in > 0
            time.sleep(0.02)
        # A background refresh may still be on its way back (the issuer
        # counts it on arrival, the source once it lands): let it land.
        settle_by = time.monotonic() + 5
        while issuer.requests_served != source.stats().fetches and time.monotonic() < settle_by:
            time.sleep(0.01)
        stats = source.stats()
        assert len(seen) >= 3
        assert stats.waits == 1, f"only the cold start waited: {stats}"
        assert stats.refreshes >= 2
        assert issuer.requests_served == stats.fetches


def test_invalid_client_is_typed_and_carries_the_idps_words(issuer: TestIssuer) -> None:
    source = issuer.token_source(client_secret="wrong-secret-value")
    with pytest.raises(m2mauth.InvalidClient) as caught:
        source.token()
    error = caught.value
    assert isinstance(error, m2mauth.OAuthError) and isinstance(error, m2mauth.TokenError)
    assert (error.code, error.error, error.status) == ("invalid_client", "invalid_client", 401)
    assert error.error_description == "client authentication failed"
    assert "wrong-secret-value" not in str(error) and "wrong-secret-value" not in repr(error)


def test_a_429_with_retry_after_is_rate_limited(issuer: TestIssuer) -> None:
    issuer.fail_next(429, retry_after="120", body='{"error":"slow_down"}')
    with pytest.raises(m2mauth.RateLimited) as caught:
        issuer.token_source().token()
    assert caught.value.retry_after == 120
    assert caught.value.status == 429


def test_a_retry_after_http_date_is_read(issuer: TestIssuer) -> None:
    import email.utils

    later = email.utils.formatdate(time.time() + 120, usegmt=True)
    issuer.fail_next(503, retry_after=later)
    with pytest.raises(m2mauth.ServerError) as caught:
        issuer.token_source(retries=0).token()
    assert caught.value.retry_after is not None and 110 <= caught.value.retry_after <= 121


def test_a_short_retry_after_is_waited_out(issuer: TestIssuer) -> None:
    issuer.fail_next(429, retry_after="1")
    issuer.token_source().token()
    assert issuer.requests_served == 2


def test_a_malformed_body_is_typed(issuer: TestIssuer) -> None:
    issuer.fail_next(200, body="<html>sign in</html>", content_type="text/html")
    with pytest.raises(m2mauth.MalformedResponse, match="not JSON"):
        issuer.token_source().token()


def test_a_hanging_idp_times_out(issuer: TestIssuer) -> None:
    issuer.hang_next()
    with pytest.raises(m2mauth.Timeout) as caught:
        issuer.token_source(timeout=0.3).token()
    assert isinstance(caught.value, TimeoutError)


def test_async_errors_are_the_same_exceptions(issuer: TestIssuer) -> None:
    source = issuer.token_source(client_secret="nope-nope")
    with pytest.raises(m2mauth.InvalidClient):
        asyncio.run(source.token_async())


def test_invalidate_drops_that_token_once(issuer: TestIssuer) -> None:
    source = issuer.token_source()
    first = source.token()
    assert source.invalidate(first)
    assert not source.invalidate(first)
    second = source.token()
    assert second != first
    assert source.invalidate(second.access_token), "the token's text works too"
    assert issuer.requests_served == 2


def test_configuration_errors_name_the_argument(issuer: TestIssuer) -> None:
    with pytest.raises(m2mauth.ConfigError) as caught:
        m2mauth.TokenSource(client_id="a", client_secret="b")
    assert caught.value.field == "token_url"
    assert isinstance(caught.value, ValueError)
    with pytest.raises(m2mauth.ConfigError) as caught:
        m2mauth.TokenSource(token_url="http://idp.example.com/t", client_id="a", client_secret="b")
    assert caught.value.field == "token_url" and "https" in str(caught.value)
    with pytest.raises(m2mauth.ConfigError, match="timeout"):
        issuer.token_source(timeout=0)
    with pytest.raises(TypeError, match="scopes"):
        issuer.token_source(scopes=[object()])
    with pytest.raises(TypeError):
        m2mauth.TokenSource(token_url=issuer.token_url, unknown_option=1)  # type: ignore[call-arg]
    with pytest.raises(m2mauth.ConfigError) as caught:
        m2mauth.TokenSource.from_config({"token_url": issuer.token_url, "client_sekret": "x"})
    assert caught.value.field == "client_sekret"


def test_timedelta_and_paths_are_accepted(issuer: TestIssuer, tmp_path: object) -> None:
    import pathlib

    secret_file = pathlib.Path(str(tmp_path)) / "secret"
    secret_file.write_text(issuer.client_secret + "\n")
    source = m2mauth.TokenSource(
        token_url=issuer.token_url,
        client_id=issuer.client_id,
        client_secret_file=secret_file,
        timeout=datetime.timedelta(seconds=5),
    )
    assert source.token().token_type == "Bearer"


def test_from_env_reads_prefixed_variables(issuer: TestIssuer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSOJET_TOKEN_URL", issuer.token_url)
    monkeypatch.setenv("SSOJET_CLIENT_ID", issuer.client_id)
    monkeypatch.setenv("SSOJET_CLIENT_SECRET", issuer.client_secret)
    monkeypatch.setenv("SSOJET_API_AUDIENCE", "https://api.example.com")
    m2mauth.TokenSource.from_env("SSOJET").token()
    assert b"audience=https%3A%2F%2Fapi.example.com" in issuer.recorded_requests()[0]["body"]
    monkeypatch.setenv("SSOJET_TIMEOUT", "soon")
    with pytest.raises(m2mauth.ConfigError) as caught:
        m2mauth.TokenSource.from_env("SSOJET")
    assert caught.value.field == "SSOJET_TIMEOUT"


def test_reprs_never_show_secrets(issuer: TestIssuer) -> None:
    source = issuer.token_source()
    token = source.token()
    assert token.access_token not in repr(token)
    assert "redacted" in repr(token)
    assert issuer.client_secret not in repr(source)
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(token)


def test_a_rust_panic_is_a_python_exception_not_an_abort() -> None:
    from m2mauth import _native

    with pytest.raises(BaseException, match="boom") as caught:
        _native._panic_for_tests("boom")
    assert type(caught.value).__name__ == "PanicException"
