"""Checking the tokens a service receives: ``Verifier`` and ``Claims``.

>>> verifier = m2mauth.Verifier(issuer="https://auth.example.com/", audience="https://api.example.com")
>>> claims = verifier.verify(token)          # or: await verifier.verify_async(token)
>>> claims.client_id, claims.scopes, claims["stt"]
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from m2mauth import _native

__all__ = ["Claims", "Verifier"]


class Claims(Mapping[str, Any]):
    """The claims of a token that passed every check: a read-only mapping of
    the raw claims (``claims["sub"]``) with typed properties for the
    standard ones."""

    __slots__ = ("_raw",)

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self._raw = dict(raw)

    def __getitem__(self, name: str) -> Any:
        return self._raw[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def __repr__(self) -> str:
        return f"Claims(subject={self.subject!r}, audience={self.audience!r}, scopes={self.scopes!r})"

    def _text(self, name: str) -> str | None:
        value = self._raw.get(name)
        return value if isinstance(value, str) else None

    @property
    def subject(self) -> str | None:
        """``sub``."""
        return self._text("sub")

    @property
    def client_id(self) -> str | None:
        """The client the token was issued to: ``client_id`` (RFC 9068), or ``azp``."""
        return self._text("client_id") or self._text("azp")

    @property
    def issuer(self) -> str | None:
        """``iss``."""
        return self._text("iss")

    @property
    def audience(self) -> tuple[str, ...]:
        """``aud``, from a string or a list."""
        aud = self._raw.get("aud")
        if isinstance(aud, str):
            return (aud,)
        if isinstance(aud, list):
            return tuple(a for a in aud if isinstance(a, str))
        return ()

    @property
    def expires_at(self) -> datetime.datetime | None:
        """``exp`` as an aware UTC datetime."""
        exp = self._raw.get("exp")
        if isinstance(exp, (int, float)) and not isinstance(exp, bool):
            return datetime.datetime.fromtimestamp(exp, tz=datetime.timezone.utc)
        return None

    @property
    def scopes(self) -> tuple[str, ...]:
        """The scopes granted, from ``scope`` (space-separated) or ``scp`` (a string or a list)."""
        value = self._raw.get("scope", self._raw.get("scp"))
        if isinstance(value, str):
            return tuple(value.split())
        if isinstance(value, list):
            return tuple(s for s in value if isinstance(s, str))
        return ()


class Verifier:
    """Checks the tokens a service receives: JWTs against the issuer's JWKS
    (fetched once, refreshed in the background, kept through outages; forged
    ``kid``s never flood the IdP), opaque tokens by introspection.

    Options are keyword arguments, the same in every m2mauth language
    (``issuer``, ``jwks_url`` or ``jwks`` (pinned keys), ``audience`` (required), ``algorithms``,
    ``leeway``, ``required_scopes``, ``required_claims``, ``strict_typ``,
    ``introspection_url`` with ``client_id``/``client_secret`` …). Failures
    raise ``InvalidToken`` (``.code`` says which rule), ``InsufficientScope``
    or ``JwksUnavailable``."""

    __slots__ = ("_native",)

    def __init__(self, **options: Any) -> None:
        self._native = _native.Verifier(**options)

    @classmethod
    def _wrap(cls, native: _native.Verifier) -> Verifier:
        verifier = cls.__new__(cls)
        verifier._native = native
        return verifier

    @classmethod
    def from_env(cls, prefix: str = "M2MAUTH") -> Verifier:
        """A verifier from ``<prefix>_ISSUER``, ``<prefix>_AUDIENCE``, ``<prefix>_JWKS_URL``, …"""
        return cls._wrap(_native.Verifier.from_env(prefix))

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Verifier:
        """A verifier from a mapping of options (snake_case names)."""
        return cls._wrap(_native.Verifier.from_config(config))

    def verify(self, token: str, scopes: Sequence[str] = ()) -> Claims:
        """The claims of ``token`` if it passes every check and carries every
        scope of ``scopes`` (the GIL is released meanwhile)."""
        return Claims(self._native.verify(token, list(scopes)))

    async def verify_async(self, token: str, scopes: Sequence[str] = ()) -> Claims:
        """``verify`` without blocking the event loop (once the keys are
        cached, checked at once on the loop's thread: no wait to hand off)."""
        ready = self._native.verify_now(token, list(scopes))
        if ready is not None:
            return Claims(ready)
        return Claims(await self._native.verify_async(token, list(scopes)))

    def verify_request(
        self, authorization: str, method: str, url: str, dpop: str | None = None, scopes: Sequence[str] = ()
    ) -> Claims:
        """The claims of a request's token: ``authorization`` is its
        ``Authorization`` header (``Bearer …`` or ``DPoP …``); a token bound to
        a DPoP key (``cnf.jkt``) also needs ``dpop``, the ``DPoP`` header's proof
        for this ``method`` and ``url`` (RFC 9449; replays are refused)."""
        return Claims(self._native.verify_request(authorization, method, url, dpop, list(scopes)))

    async def verify_request_async(
        self, authorization: str, method: str, url: str, dpop: str | None = None, scopes: Sequence[str] = ()
    ) -> Claims:
        """``verify_request`` without blocking the event loop."""
        return Claims(await self._native.verify_request_async(authorization, method, url, dpop, list(scopes)))

    def introspect(self, token: str) -> dict[str, Any]:
        """The IdP's introspection answer (RFC 7662) about ``token``, as it is."""
        return self._native.introspect(token)

    def __repr__(self) -> str:
        return repr(self._native)
