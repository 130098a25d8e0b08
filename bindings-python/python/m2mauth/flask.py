"""Flask glue: a decorator that checks the bearer token.

    from flask import Flask, g
    from m2mauth import Verifier
    from m2mauth.flask import require_token

    verifier = Verifier(issuer="https://auth.example.com/", audience="https://api.example.com")
    app = Flask(__name__)

    @app.get("/invoices")
    @require_token(verifier, scopes=["invoices:read"])
    def invoices():
        return {"client": g.m2mauth_claims.client_id}

The view runs only for a valid token carrying every scope asked, with its
``Claims`` in ``flask.g.m2mauth_claims``. Refusals follow RFC 6750 §3 (401
``invalid_token``, 403 ``insufficient_scope``; 503 when the issuer's keys
cannot be had). The token is never echoed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

import flask

from m2mauth import _challenge
from m2mauth.errors import TokenError
from m2mauth.verifier import Verifier

__all__ = ["require_token"]

View = TypeVar("View", bound=Callable[..., Any])


def _answer(refusal: _challenge.Refusal) -> flask.Response:
    response = flask.jsonify(refusal.body)
    response.status_code = refusal.status
    for name, value in refusal.headers.items():
        response.headers[name] = value
    return response


def require_token(verifier: Verifier, scopes: Sequence[str] = ()) -> Callable[[View], View]:
    """A decorator for views that need a valid bearer token with ``scopes``."""
    required = tuple(scopes)

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            request = flask.request
            authorization = _challenge.credentials(request.headers.get("Authorization"))
            if authorization is None:
                return _answer(_challenge.missing())
            try:
                claims = verifier.verify_request(
                    authorization, request.method, request.url, request.headers.get("DPoP"), required
                )
            except TokenError as error:
                return _answer(_challenge.refusal(error, authorization))
            flask.g.m2mauth_claims = claims
            return view(*args, **kwargs)

        return cast(View, checked)

    return decorator
