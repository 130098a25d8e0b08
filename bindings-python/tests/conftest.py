"""Shared fixtures: the test issuer, the oidc-provider interop IdP, helpers."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from typing import Any, Callable

import pytest
from m2mauth.testing import TestIssuer

REPO = pathlib.Path(__file__).resolve().parents[2]
VECTORS = REPO / "tests" / "vectors" / "exchange"
OIDC_PROVIDER = REPO / "tests" / "interop" / "oidc-provider"
KEYS = REPO / "tests" / "vectors" / "keys"


@pytest.fixture
def issuer() -> Iterator[TestIssuer]:
    with TestIssuer() as issuer:
        yield issuer


class OidcProvider:
    """panva's oidc-provider on 127.0.0.1, started by the test and stopped by PID."""

    def __init__(self, ttl: int, tls: bool = False) -> None:
        if not (OIDC_PROVIDER / "node_modules" / "oidc-provider").is_dir():
            pytest.fail("oidc-provider is not installed: run `npm ci --prefix tests/interop/oidc-provider`")
        self.process = subprocess.Popen(
            ["node", str(OIDC_PROVIDER / "server.mjs")],
            env={**os.environ, "PORT": "0", "TTL": str(ttl), "TLS": "1" if tls else "0"},
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None
        info = json.loads(self.process.stdout.readline())
        self.issuer: str = info["issuer"]
        #: The CA certificate of an HTTPS provider (``tls=True``).
        self.ca_file: str | None = info.get("ca_file")

    @property
    def token_requests(self) -> int:
        with urllib.request.urlopen(f"{self.issuer}/__token_requests") as response:
            count: int = json.load(response)["token_requests"]
            return count

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()


@pytest.fixture
def oidc_provider() -> Iterator[Callable[..., OidcProvider]]:
    started: list[OidcProvider] = []

    def start(ttl: int = 3600, tls: bool = False) -> OidcProvider:
        provider = OidcProvider(ttl, tls)
        started.append(provider)
        return provider

    yield start
    for provider in started:
        provider.stop()


def eventually(condition: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Polls ``condition`` until it is truthy (for things other threads do)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.01)
