"""The binding against the core's tables (tests/vectors/options.json and
error_codes.json): an option or an error code added to the core and not
wired here makes these fail."""

from __future__ import annotations

import ast
import json
import pathlib
from typing import Any

import m2mauth
import m2mauth.errors
import pytest

from .conftest import REPO

OPTIONS = json.loads((REPO / "tests" / "vectors" / "options.json").read_text())
ERRORS = json.loads((REPO / "tests" / "vectors" / "error_codes.json").read_text())
STUBS = pathlib.Path(m2mauth.__file__).with_name("_native.pyi")


def options_of(component: str) -> list[str]:
    return [row["name"] for row in OPTIONS if row["component"] == component]


def stub_keywords(class_name: str) -> list[str]:
    """The keyword-only parameters of `class_name.__new__` in _native.pyi."""
    tree = ast.parse(STUBS.read_text())
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == "__new__":
                    return [arg.arg for arg in item.args.kwonlyargs]
    raise AssertionError(f"{class_name}.__new__ is not in {STUBS}")


@pytest.mark.parametrize(
    ("class_name", "component"), [("TokenSource", "token_source"), ("Verifier", "verifier")]
)
def test_the_stubs_declare_every_option_in_table_order(class_name: str, component: str) -> None:
    assert stub_keywords(class_name) == options_of(component)


def test_every_option_is_a_keyword_and_others_are_type_errors() -> None:
    for name in options_of("verifier"):
        with pytest.raises(m2mauth.ConfigError):
            m2mauth.Verifier(**{name: None})
    with pytest.raises(TypeError, match="Verifier\\(\\) got an unexpected keyword argument 'scopes'"):
        m2mauth.Verifier(scopes=["x"])
    # None means "not set", so each option alone gets past the keyword check
    # and fails only on the missing token_url.
    for name in options_of("token_source"):
        with pytest.raises(m2mauth.ConfigError):
            m2mauth.TokenSource(**{name: None})
    with pytest.raises(TypeError, match="unexpected keyword argument 'client_sekret'"):
        m2mauth.TokenSource(client_sekret="x")
    with pytest.raises(TypeError, match="unexpected keyword argument 'clientId'"):
        m2mauth.TokenSource(clientId="x")  # Node's name is not Python's


FAMILY_CLASS: dict[str, type[m2mauth.TokenError]] = {
    "config": m2mauth.ConfigError,
    "refused": m2mauth.OAuthError,
    "malformed": m2mauth.TokenError,
    "transient": m2mauth.TokenError,
    "invalid_token": m2mauth.InvalidToken,
    "internal": m2mauth.InternalError,
}


@pytest.mark.parametrize("row", ERRORS["codes"], ids=lambda row: row["code"])
def test_every_error_code_raises_a_class_of_its_family(row: dict[str, Any]) -> None:
    error = m2mauth.errors._from_native(
        row["code"], row["family"], "message", None, None, None, None, None, None
    )
    assert isinstance(error, FAMILY_CLASS[row["family"]])
    assert (error.code, error.family) == (row["code"], row["family"])
    assert type(error) is not m2mauth.TokenError, "a class of its own or of its family"


def test_the_class_tables_name_only_codes_and_families_of_the_core() -> None:
    codes = {row["code"] for row in ERRORS["codes"]}
    assert set(m2mauth.errors._BY_CODE) <= codes
    assert set(m2mauth.errors._BY_FAMILY) == set(ERRORS["families"])
    assert issubclass(m2mauth.JwksUnavailable, m2mauth.InvalidToken)
    assert issubclass(m2mauth.InsufficientScope, m2mauth.InvalidToken)
