"""The core's events reach Python logging (logger "m2mauth"), without secrets."""

from __future__ import annotations

import logging

import m2mauth
import pytest
from m2mauth.testing import TestIssuer

from .conftest import eventually


def test_fetches_and_failures_are_logged_without_secrets(
    issuer: TestIssuer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="m2mauth")
    source = issuer.token_source()
    token = source.token()
    bad = issuer.token_source(client_secret="top-secret-value")
    with pytest.raises(m2mauth.InvalidClient):
        bad.token()
    records = eventually(
        lambda: (
            [r for r in caplog.records if r.name == "m2mauth" and r.levelno == logging.WARNING]
            and caplog.records
        )
    )
    messages = [r.getMessage() for r in records if r.name == "m2mauth"]
    assert any("token fetched" in m for m in messages), messages
    assert any("invalid_client" in m for m in messages), messages
    for message in messages:
        assert token.access_token not in message
        assert "top-secret-value" not in message
        assert issuer.client_secret not in message


def test_events_below_the_loggers_level_are_not_forwarded(
    issuer: TestIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # At WARNING (the default), the INFO "token fetched" and the DEBUG/TRACE
    # chatter of the HTTP stack never reach Python (nor are they formatted
    # and queued, where they would crowd out the warnings).
    logger = logging.getLogger("m2mauth")
    monkeypatch.setattr(logger, "level", logging.WARNING)
    forwarded: list[int] = []
    original = logger.log

    def record(level: int, msg: object, *args: object, **kwargs: object) -> None:
        forwarded.append(level)
        original(level, msg, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(logger, "log", record)
    issuer.token_source().token()
    issuer.fail_next(503)
    with pytest.raises(m2mauth.ServerError):
        issuer.token_source(retries=0).token()
    eventually(lambda: [level for level in forwarded if level >= logging.WARNING])
    assert all(level >= logging.WARNING for level in forwarded), forwarded
    # Lowered again, the detail comes back.
    monkeypatch.setattr(logger, "level", logging.DEBUG)
    forwarded.clear()
    issuer.token_source(scopes=["again"]).token()
    eventually(lambda: [level for level in forwarded if level == logging.INFO])
