//! Conformance vectors (`tests/vectors/exchange/*.json`): a configuration, the
//! exact request it must produce, the IdP's answer, and the expected outcome.
//!
//! Every language replays the same files through its public API against an
//! issuer armed with the vector; this module checks the request the issuer
//! received and the outcome the binding reports, so all languages are held
//! to one definition of "agree".

use serde_json::{Map, Value};

use crate::state::RecordedRequest;

/// How many seconds a reported `expires_in` may differ from the vector's
/// (a binding sees an expiry time, and a second or two pass).
const EXPIRES_IN_TOLERANCE: u64 = 5;

/// One conformance vector.
#[derive(Clone, Debug)]
pub struct Vector {
    /// The file's name, without `.json`.
    pub name: String,
    /// What the vector shows.
    pub description: String,
    /// The configuration, in the JSON form every binding accepts; `{issuer}`
    /// in any string stands for the issuer's base URL.
    pub config: Value,
    /// The request the configuration must produce (absent when the
    /// configuration itself must be rejected).
    pub request: Option<ExpectedRequest>,
    /// How the issuer answers.
    pub answer: Option<ScriptedAnswer>,
    /// What the caller must get.
    pub expect: Expected,
}

/// The request a vector expects, byte for byte where it matters.
#[derive(Clone, Debug)]
pub struct ExpectedRequest {
    /// `POST`.
    pub method: String,
    /// The path the request goes to.
    pub path: String,
    /// Headers that must be present with exactly these values.
    pub headers: Vec<(String, String)>,
    /// Headers that must be absent.
    pub absent_headers: Vec<String>,
    /// The exact body (empty when `form` describes it).
    pub body: String,
    /// The body's form parameters, in order: exact values, or signed JWTs
    /// described by a spec (see the `vector_jwt` module).
    pub form: Option<Vec<Value>>,
    /// The `DPoP` header's proof, as a JWT spec.
    pub dpop: Option<Value>,
}

/// The issuer's scripted answer.
#[derive(Clone, Debug)]
pub enum ScriptedAnswer {
    /// Answer with this status, headers and body.
    Respond {
        /// The status.
        status: u16,
        /// Headers.
        headers: Vec<(String, String)>,
        /// The body.
        body: String,
    },
    /// Never answer.
    Hang,
    /// Close the connection without answering.
    Close,
}

/// The outcome a vector expects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expected {
    /// A token with these properties.
    Token {
        /// The access token.
        access_token: String,
        /// The token type.
        token_type: String,
        /// The lifetime in seconds.
        expires_in: u64,
        /// The granted scopes.
        scopes: Vec<String>,
    },
    /// An error with this code and, where given, these details.
    Error {
        /// The stable error code (`invalid_client`, …).
        code: String,
        /// Other expected properties: `status`, `oauth_error`,
        /// `description`, `retry_after`, `field`.
        details: Vec<(String, String)>,
    },
}

impl Vector {
    /// Parses a vector file's text; `name` is its file stem.
    pub fn from_json(name: &str, text: &str) -> Result<Vector, String> {
        let root: Map<String, Value> =
            serde_json::from_str(text).map_err(|e| format!("{name}: not JSON: {e}"))?;
        let text_of = |v: Option<&Value>, what: &str| -> Result<String, String> {
            v.and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| format!("{name}: {what} must be a string"))
        };
        let request = match root.get("request") {
            None => None,
            Some(r) => Some(ExpectedRequest {
                method: text_of(r.get("method"), "request.method")?,
                path: text_of(r.get("path"), "request.path")?,
                headers: string_pairs(r.get("headers"))
                    .map_err(|e| format!("{name}: request.headers {e}"))?,
                absent_headers: r
                    .get("absent_headers")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_ascii_lowercase)
                            .collect()
                    })
                    .unwrap_or_default(),
                body: match r.get("form") {
                    Some(_) => String::new(),
                    None => text_of(r.get("body"), "request.body")?,
                },
                form: r.get("form").and_then(Value::as_array).cloned(),
                dpop: r.get("dpop").cloned(),
            }),
        };
        let answer = match root.get("response") {
            None => None,
            Some(r) if r.get("hang").and_then(Value::as_bool) == Some(true) => {
                Some(ScriptedAnswer::Hang)
            }
            Some(r) if r.get("close").and_then(Value::as_bool) == Some(true) => {
                Some(ScriptedAnswer::Close)
            }
            Some(r) => Some(ScriptedAnswer::Respond {
                status: r
                    .get("status")
                    .and_then(Value::as_u64)
                    .and_then(|s| u16::try_from(s).ok())
                    .ok_or_else(|| format!("{name}: response.status must be a number"))?,
                headers: string_pairs(r.get("headers"))
                    .map_err(|e| format!("{name}: response.headers {e}"))?,
                body: text_of(r.get("body"), "response.body")?,
            }),
        };
        let expect = root
            .get("expect")
            .ok_or_else(|| format!("{name}: expect is missing"))?;
        let expect = if let Some(token) = expect.get("token") {
            Expected::Token {
                access_token: text_of(token.get("access_token"), "expect.token.access_token")?,
                token_type: text_of(token.get("token_type"), "expect.token.token_type")?,
                expires_in: token
                    .get("expires_in")
                    .and_then(Value::as_u64)
                    .ok_or_else(|| format!("{name}: expect.token.expires_in must be a number"))?,
                scopes: token
                    .get("scopes")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        } else if let Some(Value::Object(error)) = expect.get("error") {
            let code = text_of(error.get("code"), "expect.error.code")?;
            let details = error
                .iter()
                .filter(|(k, _)| *k != "code")
                .map(|(k, v)| (k.clone(), plain(v)))
                .collect();
            Expected::Error { code, details }
        } else {
            return Err(format!("{name}: expect needs token or error"));
        };
        Ok(Vector {
            name: name.to_owned(),
            description: root
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            config: root
                .get("config")
                .cloned()
                .ok_or_else(|| format!("{name}: config is missing"))?,
            request,
            answer,
            expect,
        })
    }

    /// The configuration with `{issuer}` replaced by `issuer` (no trailing slash).
    pub fn config_for(&self, issuer: &str) -> Value {
        substitute(&self.config, issuer)
    }

    /// The vector with `{issuer}` replaced by `issuer` everywhere it may
    /// appear (configuration, expected form values and JWT claims).
    #[must_use]
    pub fn for_issuer(&self, issuer: &str) -> Vector {
        let mut vector = self.clone();
        vector.config = substitute(&self.config, issuer);
        if let Some(request) = &mut vector.request {
            if let Some(form) = &mut request.form {
                for item in form.iter_mut() {
                    *item = substitute(item, issuer);
                }
            }
            request.dpop = request.dpop.as_ref().map(|d| substitute(d, issuer));
        }
        vector
    }

    /// Checks a request the issuer received against the expectation.
    pub fn check_request(&self, got: &RecordedRequest) -> Result<(), String> {
        let Some(want) = &self.request else {
            return Err("this vector expects no request at all".to_owned());
        };
        if got.method != want.method {
            return Err(format!("method: want {}, got {}", want.method, got.method));
        }
        if got.path != want.path {
            return Err(format!("path: want {}, got {}", want.path, got.path));
        }
        for (name, value) in &want.headers {
            match got.header(name) {
                Some(v) if v == value => {}
                Some(v) => return Err(format!("header {name}: want {value:?}, got {v:?}")),
                None => return Err(format!("header {name}: want {value:?}, got none")),
            }
        }
        if let Some(name) = want.absent_headers.iter().find(|n| got.header(n).is_some()) {
            return Err(format!("header {name} must be absent"));
        }
        if let Some(spec) = &want.dpop {
            let proof = got
                .header("dpop")
                .ok_or("header dpop: want a DPoP proof, got none")?;
            crate::vector_jwt::check_jwt(proof, spec).map_err(|e| format!("DPoP proof: {e}"))?;
        }
        match &want.form {
            Some(form) => crate::vector_jwt::check_form(&got.body, form),
            None if got.body != want.body.as_bytes() => Err(format!(
                "body: want {:?}, got {:?}",
                want.body,
                String::from_utf8_lossy(&got.body)
            )),
            None => Ok(()),
        }
    }

    /// The expected outcome as one line, in the format of [`Vector::check_outcome`].
    pub fn expected_line(&self) -> String {
        match &self.expect {
            Expected::Token {
                access_token,
                token_type,
                expires_in,
                scopes,
            } => format!(
                "token token_type={token_type} expires_in={expires_in} scopes={} access_token={access_token}",
                scopes.join(",")
            ),
            Expected::Error { code, details } => {
                let mut line = format!("error code={code}");
                // `description` goes last: it may hold spaces.
                let (description, others): (Vec<_>, Vec<_>) =
                    details.iter().partition(|(k, _)| k == "description");
                for (k, v) in others.into_iter().chain(description) {
                    line.push(' ');
                    line.push_str(k);
                    line.push('=');
                    line.push_str(v);
                }
                line
            }
        }
    }

    /// Checks the outcome a binding reported, as one line:
    /// `token token_type=Bearer expires_in=3599 scopes=a,b access_token=…` or
    /// `error code=invalid_client status=401 oauth_error=invalid_client description=…`
    /// (`description` last: it may hold spaces). Fields the vector does not
    /// name are not compared; `expires_in` may be off by a few seconds.
    pub fn check_outcome(&self, line: &str) -> Result<(), String> {
        let fields = parse_line(line);
        let kind = line.split(' ').next().unwrap_or("");
        let get = |key: &str| {
            fields
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        };
        match &self.expect {
            Expected::Token {
                access_token,
                token_type,
                expires_in,
                scopes,
            } => {
                if kind != "token" {
                    return Err(format!("want a token, got: {line}"));
                }
                for (key, want) in [
                    ("token_type", token_type.clone()),
                    ("access_token", access_token.clone()),
                    ("scopes", scopes.join(",")),
                ] {
                    if get(key) != Some(want.as_str()) {
                        return Err(format!("{key}: want {want:?}, got {:?}", get(key)));
                    }
                }
                let got: u64 = get("expires_in")
                    .and_then(|v| v.parse().ok())
                    .ok_or("expires_in missing or not a number")?;
                if got.abs_diff(*expires_in) > EXPIRES_IN_TOLERANCE {
                    return Err(format!("expires_in: want about {expires_in}, got {got}"));
                }
                Ok(())
            }
            Expected::Error { code, details } => {
                if kind != "error" {
                    return Err(format!("want error {code}, got: {line}"));
                }
                if get("code") != Some(code.as_str()) {
                    return Err(format!("code: want {code}, got {:?}", get("code")));
                }
                for (key, want) in details {
                    if get(key) != Some(want.as_str()) {
                        return Err(format!("{key}: want {want:?}, got {:?}", get(key)));
                    }
                }
                Ok(())
            }
        }
    }
}

/// `key=value` fields of an outcome line; `description=` takes the rest.
fn parse_line(line: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    let mut rest = line.split_once(' ').map_or("", |(_, r)| r);
    while !rest.is_empty() {
        if let Some(description) = rest.strip_prefix("description=") {
            fields.push(("description".to_owned(), description.to_owned()));
            break;
        }
        let (field, tail) = rest.split_once(' ').unwrap_or((rest, ""));
        if let Some((k, v)) = field.split_once('=') {
            fields.push((k.to_owned(), v.to_owned()));
        }
        rest = tail;
    }
    fields
}

fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn string_pairs(value: Option<&Value>) -> Result<Vec<(String, String)>, String> {
    match value {
        None => Ok(Vec::new()),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| {
                v.as_str()
                    .map(|v| (k.to_ascii_lowercase(), v.to_owned()))
                    .ok_or_else(|| format!("{k} must be a string"))
            })
            .collect(),
        Some(_) => Err("must be an object".to_owned()),
    }
}

fn substitute(value: &Value, issuer: &str) -> Value {
    match value {
        Value::String(s) => Value::String(s.replace("{issuer}", issuer)),
        Value::Array(items) => Value::Array(items.iter().map(|v| substitute(v, issuer)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), substitute(v, issuer)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTOR: &str = r#"{
      "description": "d",
      "config": {"token_url": "{issuer}/oauth2/token", "client_id": "a", "client_secret": "b"},
      "request": {"method": "POST", "path": "/oauth2/token", "headers": {"Accept": "application/json"},
                  "absent_headers": ["x-nope"], "body": "grant_type=client_credentials"},
      "response": {"status": 401, "body": "{}"},
      "expect": {"error": {"code": "invalid_client", "status": 401, "description": "a b c"}}
    }"#;

    #[test]
    fn checks_requests_and_outcome_lines() {
        let v = Vector::from_json("x", VECTOR).unwrap();
        assert_eq!(
            v.config_for("http://h")["token_url"],
            "http://h/oauth2/token"
        );
        let mut got = RecordedRequest {
            method: "POST".into(),
            path: "/oauth2/token".into(),
            headers: vec![("accept".into(), "application/json".into())],
            body: b"grant_type=client_credentials".to_vec(),
            client_certificate: None,
        };
        assert_eq!(v.check_request(&got), Ok(()));
        got.body.push(b'&');
        assert!(v.check_request(&got).unwrap_err().starts_with("body"));
        assert_eq!(
            v.expected_line(),
            "error code=invalid_client status=401 description=a b c"
        );
        assert_eq!(
            v.check_outcome(
                "error code=invalid_client status=401 oauth_error=invalid_client description=a b c"
            ),
            Ok(())
        );
        assert!(
            v.check_outcome("error code=invalid_client status=400 description=a b c")
                .is_err()
        );
        assert!(v.check_outcome("token token_type=Bearer").is_err());
    }
}
