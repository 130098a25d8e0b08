"""A source made before os.fork() (gunicorn, Celery pre-fork) works in the child."""

from __future__ import annotations

import os
import sys

from m2mauth.testing import TestIssuer


def test_a_child_process_reuses_the_token_and_fetches_anew(issuer: TestIssuer) -> None:
    source = issuer.token_source()
    parent_token = source.token()
    pid = os.fork()
    if pid == 0:  # the child: report through the exit status, never return into pytest
        code = 1
        try:
            cached = source.token()
            reused = cached.access_token == parent_token.access_token
            source.invalidate(cached)
            fresh = source.token()  # needs the background runtime, re-created here
            code = 0 if reused and fresh.access_token != parent_token.access_token else 2
        except BaseException as error:
            print(f"child failed: {error!r}", file=sys.stderr)
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, f"child exit status {status}"
    assert issuer.requests_served == 2, "the parent's fetch, then the child's"
    assert source.token() is parent_token, "the parent is untouched"


def test_forking_while_other_threads_hold_the_locks_never_hangs_the_child(issuer: TestIssuer) -> None:
    import signal
    import threading

    source = issuer.token_source()
    stop = threading.Event()

    def hammer() -> None:  # takes the source's state lock over and over
        while not stop.is_set():
            source.invalidate(source.token())

    thread = threading.Thread(target=hammer)
    thread.start()
    hung = failed = 0
    try:
        for _ in range(40):
            pid = os.fork()
            if pid == 0:
                signal.alarm(10)  # a child stuck on an inherited lock dies here
                code = 1
                try:
                    source.token()
                    code = 0
                finally:
                    os._exit(code)
            _, status = os.waitpid(pid, 0)
            hung += os.WIFSIGNALED(status)
            failed += os.WIFEXITED(status) and os.WEXITSTATUS(status) != 0
    finally:
        stop.set()
        thread.join()
    assert (hung, failed) == (0, 0)
