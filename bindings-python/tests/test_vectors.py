"""Every shared conformance vector (tests/vectors/exchange) through the
public Python API, judged by the issuer the vector armed."""

from __future__ import annotations

import json
import math
import pathlib
from datetime import datetime, timezone

import m2mauth
import pytest
from m2mauth.testing import TestIssuer

from .conftest import VECTORS

FILES = sorted(VECTORS.glob("*.json"))


def outcome_line(token: m2mauth.AccessToken | None, error: m2mauth.TokenError | None) -> str:
    if error is not None:
        fields = [f"error code={error.code}"]
        if error.status is not None:
            fields.append(f"status={error.status}")
        if error.error is not None:
            fields.append(f"oauth_error={error.error}")
        if error.retry_after is not None:
            fields.append(f"retry_after={int(error.retry_after)}")
        if error.field is not None:
            fields.append(f"field={error.field}")
        if error.error_description is not None:
            fields.append(f"description={error.error_description}")
        return " ".join(fields)
    assert token is not None
    left = (token.expires_at - datetime.now(timezone.utc)).total_seconds()
    return (
        f"token token_type={token.token_type} expires_in={math.floor(left + 0.5)} "
        f"scopes={','.join(token.scopes)} access_token={token.access_token}"
    )


def test_there_are_enough_vectors() -> None:
    assert len(FILES) >= 40


@pytest.fixture(scope="module")
def vector_issuer() -> TestIssuer:
    with TestIssuer() as issuer:
        yield issuer


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_vector(vector_issuer: TestIssuer, path: pathlib.Path) -> None:
    config = json.loads(vector_issuer.arm_vector(path.stem, path.read_text(encoding="utf-8")))
    try:
        source = m2mauth.TokenSource.from_config(config)
        line = outcome_line(source.token(), None)
    except m2mauth.TokenError as error:
        line = outcome_line(None, error)
    assert vector_issuer.judge(line) is None, vector_issuer.judge(line)
