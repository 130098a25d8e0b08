"""Seeds each fuzz target's corpus from tests/vectors/ (answers, configurations, keys) and from
fuzz/regressions/<target>/ (inputs that once found a bug, kept so they are tried first)."""

import glob
import hashlib
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.join(HERE, "..", "tests", "vectors")


def put(target: str, data: bytes) -> None:
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, hashlib.sha1(data).hexdigest()), "wb") as out:
        out.write(data)


for path in sorted(glob.glob(os.path.join(VECTORS, "exchange", "*.json"))):
    with open(path) as f:
        vector = json.load(f)
    for response in vector.get("responses", [vector.get("response")]):
        if isinstance(response, dict) and isinstance(response.get("body"), str):
            body = response["body"].encode()
            put("token_response", bytes([0]) + body)
            put("token_response", bytes([3]) + body)
            put("introspection", bytes([0]) + body)
            put("discovery", body)
            retry = response.get("headers", {}).get("retry-after")
            if retry:
                put("retry_after", retry.encode())
    config = {k: v for k, v in vector.get("config", {}).items() if not k.endswith("_file")}
    put("config_json", json.dumps(config).encode())
    env = "".join(f"{k.upper()}={' '.join(v) if isinstance(v, list) else v}\n" for k, v in config.items()
                  if isinstance(v, (str, int, list)))
    put("config_env", env.encode())

for path in sorted(glob.glob(os.path.join(VECTORS, "keys", "*.jwk.json"))):
    with open(path) as f:
        jwk = json.load(f)
    public = {k: v for k, v in jwk.items() if k not in ("d", "p", "q", "dp", "dq", "qi")}
    put("jwks", json.dumps({"keys": [public]}).encode())

for retry in ("120", "0", "Wed, 21 Oct 2015 07:28:00 GMT", "Sun, 06 Nov 1994 08:49:37 GMT", "1e308", "-1"):
    put("retry_after", retry.encode())
put("discovery", json.dumps({"issuer": "https://idp.example.com",
                             "token_endpoint": "https://idp.example.com/token",
                             "jwks_uri": "https://idp.example.com/jwks"}).encode())
header = json.dumps({"alg": "EdDSA", "kid": "k1", "typ": "at+jwt"}).encode()
payload = json.dumps({"iss": "https://idp.example.com", "aud": "https://api.example.com",
                      "exp": 1700000600, "iat": 1700000000, "scope": "read write", "sub": "svc"}).encode()
for mode in (1, 2):
    put("jwt", bytes([mode]) + header + b"\0" + payload)
put("jwt", b"\0eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.")

for path in sorted(glob.glob(os.path.join(HERE, "regressions", "*", "*"))):
    with open(path, "rb") as f:
        put(os.path.basename(os.path.dirname(path)), f.read())
