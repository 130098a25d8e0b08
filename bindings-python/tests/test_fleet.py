"""The fleet cache from Python: processes and sources sharing one token
request through a real redis-server (started here, stopped by PID)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import m2mauth
import pytest
from m2mauth.testing import TestIssuer

KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="


class Redis:
    """redis-server on a free port of 127.0.0.1, without persistence."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        self.process = subprocess.Popen(
            [*command, "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                    connection.sendall(b"PING\r\n")
                    if connection.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("redis-server did not start (apt-get install redis-server; scripts/setup.sh does)")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()


@pytest.fixture
def redis() -> Iterator[Redis]:
    server = Redis()
    yield server
    server.stop()


def test_processes_share_one_token_request(redis: Redis) -> None:
    with TestIssuer(latency=0.3) as issuer:
        env = {
            **os.environ,
            "M2MAUTH_TOKEN_URL": issuer.token_url,
            "M2MAUTH_CLIENT_ID": issuer.client_id,
            "M2MAUTH_CLIENT_SECRET": issuer.client_secret,
            "M2MAUTH_CACHE_URL": redis.url,
            "M2MAUTH_CACHE_ENCRYPTION_KEY": KEY,
        }
        script = "import m2mauth; print(m2mauth.TokenSource.from_env().token().access_token)"
        children = [
            subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, text=True)
            for _ in range(4)
        ]
        tokens = {child.communicate(timeout=60)[0].strip() for child in children}
        assert all(child.returncode == 0 for child in children)
        assert len(tokens) == 1
        assert issuer.requests_served == 1


def test_sources_count_what_the_fleet_did(redis: Redis, issuer: TestIssuer) -> None:
    sources = [issuer.token_source(cache_url=redis.url, cache_encryption_key=KEY) for _ in range(3)]
    tokens = {source.token().access_token for source in sources}
    assert len(tokens) == 1 and issuer.requests_served == 1
    assert sum(source.stats().l2_hits for source in sources) == 2
    assert "l2_hits=" in repr(sources[0].stats())


def test_redis_down_is_not_the_callers_problem(redis: Redis, issuer: TestIssuer) -> None:
    redis.stop()
    source = issuer.token_source(cache_url=redis.url, cache_encryption_key=KEY)
    assert source.token().access_token
    assert source.stats().l2_errors >= 1


def test_a_missing_key_names_the_option(redis: Redis, issuer: TestIssuer) -> None:
    with pytest.raises(m2mauth.ConfigError) as raised:
        issuer.token_source(cache_url=redis.url)
    assert raised.value.field == "cache_encryption_key"
    with pytest.raises(m2mauth.ConfigError) as raised:
        issuer.token_source(cache_url=redis.url, cache_encryption_key="c2hvcnQ=")
    assert raised.value.field == "cache_encryption_key"
    assert "c2hvcnQ" not in str(raised.value)
