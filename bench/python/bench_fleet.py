"""The fleet cache, measured: token requests per token lifetime for N
processes (N = 1, 8, 32) with and without a shared Redis, the added latency
of a cold token() through Redis (lease, fetch, publish) against the
process-local cache alone, and the cached hot path with the fleet cache on.

Needs redis-server (Debian's package; started here on a free port, stopped
by PID). Run from bench/run.sh fleet, or: python bench/python/bench_fleet.py
"""

from __future__ import annotations

import multiprocessing
import socket
import statistics
import subprocess
import time
import timeit

from m2mauth import TokenSource
from m2mauth.testing import TestIssuer

KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
LIFETIME = 3.0  # seconds: short tokens, so a run covers several lifetimes
LIFETIMES = 4
CALLERS_PER_PROCESS = 4


def start_redis() -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                if connection.recv(16).startswith(b"+PONG"):
                    return process, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.02)
    process.kill()
    raise SystemExit("redis-server did not start (apt-get install redis-server)")


def worker(options: dict[str, object], seconds: float, errors: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """One process of the fleet: a few threads calling token() until the time is up."""
    import threading

    source = TokenSource(**options)  # type: ignore[arg-type]
    end = time.monotonic() + seconds
    failures = 0

    def call() -> None:
        nonlocal failures
        while time.monotonic() < end:
            try:
                source.token().access_token
            except Exception:
                failures += 1
            time.sleep(0.005)

    threads = [threading.Thread(target=call) for _ in range(CALLERS_PER_PROCESS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    errors.put(failures)


def requests_per_lifetime(processes: int, cache_url: str | None) -> tuple[float, int]:
    with TestIssuer(token_lifetime=LIFETIME) as issuer:
        options: dict[str, object] = {
            "token_url": issuer.token_url,
            "client_id": issuer.client_id,
            "client_secret": issuer.client_secret,
        }
        if cache_url:
            options.update(cache_url=cache_url, cache_encryption_key=KEY, cache_key_prefix=f"bench{processes}:")
        context = multiprocessing.get_context("spawn")
        errors: multiprocessing.Queue = context.Queue()  # type: ignore[type-arg]
        children = [
            context.Process(target=worker, args=(options, LIFETIME * LIFETIMES, errors)) for _ in range(processes)
        ]
        for child in children:
            child.start()
        failures = sum(errors.get(timeout=120) for _ in children)
        for child in children:
            child.join()
        return issuer.requests_served / LIFETIMES, failures


def cold_latency(cache_url: str | None, rounds: int = 60) -> float:
    """Median time of a first token() (a fresh cache key each round), in ms."""
    times = []
    with TestIssuer() as issuer:
        for n in range(rounds):
            options: dict[str, object] = {
                "token_url": issuer.token_url,
                "client_id": issuer.client_id,
                "client_secret": issuer.client_secret,
                "scopes": [f"round-{n}-{cache_url is not None}"],
            }
            if cache_url:
                options.update(cache_url=cache_url, cache_encryption_key=KEY)
            source = TokenSource(**options)  # type: ignore[arg-type]
            start = time.perf_counter()
            source.token()
            times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def hot_path(cache_url: str | None) -> float:
    with TestIssuer() as issuer:
        options: dict[str, object] = {
            "token_url": issuer.token_url,
            "client_id": issuer.client_id,
            "client_secret": issuer.client_secret,
        }
        if cache_url:
            options.update(cache_url=cache_url, cache_encryption_key=KEY, cache_key_prefix="hot:")
        source = TokenSource(**options)  # type: ignore[arg-type]
        source.token()
        number = 200_000
        best = min(timeit.repeat(lambda: source.token().access_token, number=number, repeat=5))
        return best / number * 1e9


def main() -> None:
    redis, url = start_redis()
    try:
        print(f"token requests per {LIFETIME:.0f} s token lifetime, {CALLERS_PER_PROCESS} callers per process,")
        print(f"over {LIFETIMES} lifetimes (refresh-ahead from 80 %); caller-visible errors in brackets")
        print(f"{'processes':>10} {'L1 only':>14} {'fleet (Redis)':>16}")
        for n in (1, 8, 32):
            alone, alone_errors = requests_per_lifetime(n, None)
            shared, shared_errors = requests_per_lifetime(n, url)
            print(f"{n:>10} {alone:>9.2f} [{alone_errors}] {shared:>11.2f} [{shared_errors}]")
        local, fleet = cold_latency(None), cold_latency(url)
        print(f"cold token(), median: L1 only {local:.2f} ms, through Redis {fleet:.2f} ms (+{fleet - local:.2f} ms)")
        plain, with_fleet = hot_path(None), hot_path(url)
        print(f"cached token().access_token: L1 only {plain:.0f} ns, fleet cache on {with_fleet:.0f} ns")
    finally:
        redis.kill()
        redis.wait()


if __name__ == "__main__":
    main()
