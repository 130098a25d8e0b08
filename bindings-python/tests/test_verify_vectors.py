"""The shared verification vectors (tests/vectors/verify): each token through
``Verifier.from_config`` with the vector's options (keys pinned with ``jwks``)
must give the vector's claims or its exact error code. Vectors whose outcome
depends on a fixed clock (leeway edges) are replayed by the Rust suite only;
they are excluded by name here, not counted as passing."""

from __future__ import annotations

import json
import pathlib

import m2mauth
import pytest

FOLDER = pathlib.Path(__file__).resolve().parents[2] / "tests" / "vectors" / "verify"
ALL = [json.loads(p.read_text(encoding="utf-8")) | {"name": p.stem} for p in sorted(FOLDER.glob("*.json"))]
CLOCK_FREE = [v for v in ALL if v["clock_free"]]


def test_the_vectors_are_there() -> None:
    assert len(ALL) >= 35 and len(CLOCK_FREE) >= 30


@pytest.mark.parametrize("vector", CLOCK_FREE, ids=[v["name"] for v in CLOCK_FREE])
def test_verify_vector(vector: dict) -> None:  # type: ignore[type-arg]
    verifier = m2mauth.Verifier.from_config(vector["options"])
    expect = vector["expect"]
    if "error" in expect:
        with pytest.raises(m2mauth.TokenError) as raised:
            verifier.verify(vector["token"])
        assert raised.value.code == expect["error"], str(raised.value)
        assert vector["token"] not in str(raised.value), "the token is never echoed"
    else:
        claims = verifier.verify(vector["token"])
        for name, value in expect["claims"].items():
            assert claims[name] == value, name
