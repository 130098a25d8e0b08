# Type stubs for the package's public face: the names `import m2mauth`
# offers (each re-exported with `as`). The classes are typed in
# `_native.pyi` and `errors.py`.

from m2mauth._native import AccessToken as AccessToken
from m2mauth._native import Stats as Stats
from m2mauth._native import TokenSource as TokenSource
from m2mauth._native import __version__ as __version__
from m2mauth.errors import AccessDenied as AccessDenied
from m2mauth.errors import ConfigError as ConfigError
from m2mauth.errors import InsufficientScope as InsufficientScope
from m2mauth.errors import InternalError as InternalError
from m2mauth.errors import InvalidClient as InvalidClient
from m2mauth.errors import InvalidGrant as InvalidGrant
from m2mauth.errors import InvalidScope as InvalidScope
from m2mauth.errors import InvalidToken as InvalidToken
from m2mauth.errors import JwksUnavailable as JwksUnavailable
from m2mauth.errors import MalformedResponse as MalformedResponse
from m2mauth.errors import OAuthError as OAuthError
from m2mauth.errors import RateLimited as RateLimited
from m2mauth.errors import ServerError as ServerError
from m2mauth.errors import Timeout as Timeout
from m2mauth.errors import TokenError as TokenError
from m2mauth.errors import TransportError as TransportError
from m2mauth.errors import UnauthorizedClient as UnauthorizedClient
from m2mauth.verifier import Claims as Claims
from m2mauth.verifier import Verifier as Verifier
