//! The parts of a conformance vector's request that differ on every run:
//! form bodies holding client assertions, and DPoP proofs. Their fixed
//! parts are compared exactly; the signed JWTs are decoded, their header
//! and claims compared, their signatures verified, and their `jti`s and
//! lifetimes checked.
//!
//! In a vector, a form value is a string (exact) or `{"jwt": spec}`; a
//! `spec` holds `header` and `claims` (members that must have these exact
//! values), `lifetime` (`exp - iat` in seconds), and the key that must
//! verify the signature: `key` (a public JWK), `secret` (HS256), or
//! `"embedded_key": true` (a DPoP proof's `jwk` header).

use serde_json::{Map, Value};

use crate::jose;

/// Checks a form-encoded body against `want`: the same names in the same
/// order, each value exact or a JWT matching its spec.
pub(crate) fn check_form(body: &[u8], want: &[Value]) -> Result<(), String> {
    let got: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
    if got.len() != want.len() {
        let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        return Err(format!(
            "body: want {} parameters, got {names:?}",
            want.len()
        ));
    }
    for ((name, value), expected) in got.iter().zip(want) {
        let Some([want_name, want_value]) = expected.as_array().map(Vec::as_slice) else {
            return Err("request.form items must be [name, value] pairs".to_owned());
        };
        if want_name.as_str() != Some(name.as_str()) {
            return Err(format!("body: want parameter {want_name}, got {name}"));
        }
        match want_value {
            Value::String(exact) if exact == value => {}
            Value::String(exact) => {
                return Err(format!("body {name}: want {exact:?}, got {value:?}"));
            }
            spec => {
                let spec = spec
                    .get("jwt")
                    .ok_or("a form value is a string or {\"jwt\": …}")?;
                check_jwt(value, spec).map_err(|e| format!("body {name}: {e}"))?;
            }
        }
    }
    Ok(())
}

fn exact_members(what: &str, got: &Map<String, Value>, want: Option<&Value>) -> Result<(), String> {
    for (member, value) in want.and_then(Value::as_object).into_iter().flatten() {
        if got.get(member) != Some(value) {
            return Err(format!(
                "{what} {member}: want {value}, got {:?}",
                got.get(member)
            ));
        }
    }
    Ok(())
}

/// Checks one signed JWT against `spec`.
pub(crate) fn check_jwt(token: &str, spec: &Value) -> Result<(), String> {
    let jws = jose::parse(token).ok_or("not a JWT")?;
    exact_members("header", &jws.header, spec.get("header"))?;
    exact_members("claim", &jws.claims, spec.get("claims"))?;
    let signed = if let Some(key) = spec.get("key") {
        jws.verifies_with(key)
    } else if let Some(secret) = spec.get("secret").and_then(Value::as_str) {
        jws.verifies_with_secret(secret.as_bytes())
    } else if spec.get("embedded_key").and_then(Value::as_bool) == Some(true) {
        let jwk = jws.header.get("jwk").ok_or("no jwk header")?;
        if jwk.get("d").is_some() {
            return Err("the jwk header holds a private key".to_owned());
        }
        jws.verifies_with(jwk)
    } else {
        return Err("the vector names no key to verify with".to_owned());
    };
    if !signed {
        return Err(format!("the {} signature does not verify", jws.alg()));
    }
    match jws.claims.get("jti").and_then(Value::as_str) {
        Some(jti) if jti.len() >= 16 => {}
        _ => return Err("jti must be a random string of 16 characters or more".to_owned()),
    }
    let number = |name: &str| jws.claims.get(name).and_then(Value::as_f64);
    if let Some(lifetime) = spec.get("lifetime").and_then(Value::as_f64) {
        match (number("iat"), number("exp")) {
            (Some(iat), Some(exp)) if (exp - iat - lifetime).abs() < 1.0 => {}
            (iat, exp) => {
                return Err(format!(
                    "exp - iat: want {lifetime}, got iat {iat:?} exp {exp:?}"
                ));
            }
        }
    } else if number("iat").is_none() {
        return Err("iat is missing".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::jwt::{KeyRing, Mint};

    fn minted(claims: &Value) -> (String, Value) {
        let keys = KeyRing::generate().unwrap_or_else(|e| panic!("{e}"));
        let token = keys
            .mint(claims, &Mint::default())
            .unwrap_or_else(|| panic!("no key"));
        let kid = token_kid(&token);
        let jwk = keys.jwks()["keys"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|k| k["kid"] == kid)
            .cloned()
            .unwrap_or_else(|| panic!("no published key {kid}"));
        (token, jwk)
    }

    fn token_kid(token: &str) -> Value {
        jose::parse(token).map_or(Value::Null, |j| {
            j.header.get("kid").cloned().unwrap_or(Value::Null)
        })
    }

    #[test]
    fn a_jwt_must_match_its_spec_and_verify() {
        let claims =
            json!({"iss": "svc", "sub": "svc", "jti": "0123456789abcdef0", "iat": 100, "exp": 160});
        let (token, jwk) = minted(&claims);
        let spec = json!({"claims": {"iss": "svc"}, "lifetime": 60, "key": jwk});
        assert_eq!(check_jwt(&token, &spec), Ok(()));
        let wrong_claim = json!({"claims": {"iss": "other"}, "key": jwk});
        assert!(
            check_jwt(&token, &wrong_claim)
                .unwrap_err()
                .contains("claim iss")
        );
        let wrong_lifetime = json!({"lifetime": 300, "key": jwk});
        assert!(
            check_jwt(&token, &wrong_lifetime)
                .unwrap_err()
                .contains("exp - iat")
        );
        let (_, other_key) = minted(&claims);
        let forged = json!({"key": other_key});
        assert!(
            check_jwt(&token, &forged)
                .unwrap_err()
                .contains("does not verify")
        );
        let (short_jti, jwk) = minted(&json!({"jti": "x", "iat": 1}));
        assert!(
            check_jwt(&short_jti, &json!({"key": jwk}))
                .unwrap_err()
                .contains("jti")
        );
    }

    #[test]
    fn forms_are_compared_in_order() {
        let want = vec![
            json!(["grant_type", "client_credentials"]),
            json!(["client_id", "svc"]),
        ];
        assert_eq!(
            check_form(b"grant_type=client_credentials&client_id=svc", &want),
            Ok(())
        );
        assert!(check_form(b"client_id=svc&grant_type=client_credentials", &want).is_err());
        assert!(check_form(b"grant_type=client_credentials", &want).is_err());
    }
}
