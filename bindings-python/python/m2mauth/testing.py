"""A real OAuth 2.0 issuer on 127.0.0.1 for tests of code that uses m2mauth.

    from m2mauth.testing import TestIssuer

    def test_my_service():
        with TestIssuer() as issuer:
            source = issuer.token_source(scopes=["read"])
            assert my_service(source).ok
            assert issuer.requests_served == 1

As a pytest fixture::

    @pytest.fixture
    def issuer():
        with TestIssuer() as issuer:
            yield issuer
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Any

from m2mauth import _native
from m2mauth.verifier import Verifier

__all__ = ["TestIssuer"]


class TestIssuer(_native.TestIssuer):
    """The test issuer: discovery, a strict client credentials token endpoint,
    JWT access tokens (EdDSA, ES256, RS256) or opaque ones, a JWKS,
    introspection and revocation endpoints, and a protected API
    (``api_url``) that accepts only its valid, unrevoked tokens.

    Script faults with ``fail_next(503, retry_after="2")``, ``hang_next()``,
    ``close_next()``, ``delay_next(s)``, ``redirect_next(url)`` and
    ``fail_always(status)``; read ``requests_served`` and
    ``recorded_requests()``. For the services that check tokens:
    ``mint(claims, alg="RS256", forged=True, kid=…, typ=…)`` signs any
    claims (or forges them), ``rotate_keys()``, ``fail_jwks(503)``,
    ``set_jwks_delay(s)``, ``set_jwks_max_age(n)``, ``jwks_requests``.
    For key-based clients: ``register_client_key(jwk)`` (``private_key_jwt``),
    ``require_dpop_nonce(True)``, ``rotate_dpop_nonce()``; started with
    ``tls=True`` it serves HTTPS (``ca_pem``) and ``client_certificate()``
    issues mTLS certificates."""

    __test__ = False  # not a test class, whatever its name says to pytest

    def token_source(self, **options: Any) -> _native.TokenSource:
        """A ``TokenSource`` for this issuer's client; ``options`` override
        (``client_secret=None`` leaves the secret out, for key-based methods)."""
        settings: dict[str, Any] = {
            "token_url": self.token_url,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }
        settings.update(options)
        return _native.TokenSource(**{k: v for k, v in settings.items() if v is not None})

    def verifier(self, *, audience: str | Sequence[str], **options: Any) -> Verifier:
        """A ``Verifier`` of this issuer's tokens for ``audience``; ``options`` add to it."""
        return Verifier(issuer=self.issuer, audience=audience, **options)

    def __enter__(self) -> TestIssuer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
