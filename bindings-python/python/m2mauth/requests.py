"""``requests`` glue: ``requests.get(url, auth=BearerAuth(source))``.

Importing this module imports ``requests`` (``pip install m2mauth[requests]``).
"""

from __future__ import annotations

from typing import Any

import requests
from requests.auth import AuthBase

from m2mauth._native import AccessToken, TokenSource

__all__ = ["BearerAuth"]

_TOKEN = "_m2mauth_token"
_RETRIED = "_m2mauth_retried"


class BearerAuth(AuthBase):
    """Adds ``Authorization: Bearer <token>`` from ``source`` (for a DPoP
    source, ``Authorization: DPoP <token>`` and a ``DPoP`` proof). When the
    server answers 401, sends the request once more: with a new proof when
    it asked for a DPoP nonce, else with a fresh token (unless the body is a
    stream that cannot be rewound)."""

    def __init__(self, source: TokenSource) -> None:
        self.source = source

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        self._authorize(request, self.source.token())
        # Where a streamed body starts, so that a retry can rewind it.
        position = _stream_position(request.body)
        request.register_hook("response", lambda r, **kw: self._retry_on_401(r, position, **kw))
        return request

    def _authorize(self, request: requests.PreparedRequest, token: AccessToken) -> None:
        request.headers["Authorization"] = token.authorization_header
        proof = None
        if token.token_type == "DPoP":
            proof = self.source.dpop_proof(request.method or "GET", request.url or "", token.access_token)
        if proof is None:
            request.headers.pop("DPoP", None)
        else:
            request.headers["DPoP"] = proof
        setattr(request, _TOKEN, token)

    def _retry_on_401(
        self, response: requests.Response, position: int | None, **kwargs: Any
    ) -> requests.Response:
        sent = response.request
        token = getattr(sent, _TOKEN, None)
        url = sent.url or ""
        nonce = response.headers.get("DPoP-Nonce")
        challenged = self.source.accept_dpop_challenge(
            url, response.status_code, response.headers.get("WWW-Authenticate"), nonce
        )
        if nonce is not None and not challenged:
            self.source.record_dpop_nonce(url, nonce)
        if (
            response.status_code != 401
            or getattr(sent, _RETRIED, False)
            or not isinstance(token, AccessToken)
        ):
            return response
        body = sent.body
        if body is not None and not isinstance(body, (bytes, str)):
            seek = getattr(body, "seek", None)
            if position is None or seek is None:
                return response
            seek(position)
        if not challenged:
            self.source.invalidate(token)
        response.content  # noqa: B018 - read it, so the connection can be reused
        response.close()
        retry = sent.copy()
        self._authorize(retry, token if challenged else self.source.token())
        setattr(retry, _RETRIED, True)
        second = response.connection.send(retry, **kwargs)
        second.history.append(response)
        second.request = retry
        return second


def _stream_position(body: object) -> int | None:
    """Where a rewindable streamed body starts; ``None`` for anything else."""
    tell = getattr(body, "tell", None)
    if tell is None or not hasattr(body, "seek"):
        return None
    try:
        position = tell()
    except OSError:
        return None
    return position if isinstance(position, int) else None
