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

from types import TracebackType
from typing import Any

from m2mauth import _native

__all__ = ["TestIssuer"]


class TestIssuer(_native.TestIssuer):
    """The test issuer: discovery, a strict client credentials token endpoint,
    Ed25519 JWT access tokens with a JWKS, and a protected API (``api_url``)
    that accepts only its valid, unrevoked tokens. Script faults with
    ``fail_next(503, retry_after="2")``, ``hang_next()``, ``close_next()``,
    ``delay_next(s)``, ``redirect_next(url)`` and ``fail_always(status)``;
    read ``requests_served`` and ``recorded_requests()``."""

    __test__ = False  # not a test class, whatever its name says to pytest

    def token_source(self, **options: Any) -> _native.TokenSource:
        """A ``TokenSource`` for this issuer's client; ``options`` override."""
        settings: dict[str, Any] = {
            "token_url": self.token_url,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }
        settings.update(options)
        return _native.TokenSource(**settings)

    def __enter__(self) -> TestIssuer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
