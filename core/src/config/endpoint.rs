//! URL checks: https only, except loopback or an explicit opt-in.

use std::net::IpAddr;

use url::{Host, Url};

use crate::Error;

/// Whether `url` points at this machine (`localhost`, `127.0.0.0/8`, `::1`).
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// Parses an endpoint URL and applies the transport rules; `field` names it in errors.
pub(crate) fn parse_endpoint(
    field: &str,
    raw: &str,
    allow_insecure_http: bool,
) -> Result<Url, Error> {
    let url = Url::parse(raw.trim())
        .map_err(|e| Error::config(field, format!("is not a valid URL ({e})")))?;
    check_endpoint(field, &url, allow_insecure_http)?;
    Ok(url)
}

/// Applies the transport rules to an already parsed URL (also used for
/// endpoints learnt from discovery).
pub(crate) fn check_endpoint(
    field: &str,
    url: &Url,
    allow_insecure_http: bool,
) -> Result<(), Error> {
    if url.host().is_none() {
        return Err(Error::config(
            field,
            "must be an absolute http(s) URL with a host",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::config(
            field,
            "must not carry a user name or password; use client_id and client_secret",
        ));
    }
    if url.fragment().is_some() {
        return Err(Error::config(field, "must not have a #fragment"));
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if allow_insecure_http || is_loopback(url) => Ok(()),
        "http" => Err(Error::config(
            field,
            format!(
                "must use https: http is allowed only for loopback hosts or with allow_insecure_http (host {})",
                url.host_str().unwrap_or("?")
            ),
        )),
        other => Err(Error::config(
            field,
            format!("must use https, not {other}:"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_everywhere_http_only_on_loopback() {
        assert!(parse_endpoint("token_url", "https://idp.example.com/token", false).is_ok());
        assert!(parse_endpoint("token_url", "http://127.0.0.1:8080/token", false).is_ok());
        assert!(parse_endpoint("token_url", "http://[::1]:8080/token", false).is_ok());
        assert!(parse_endpoint("token_url", "http://localhost/token", false).is_ok());
        let err = parse_endpoint("token_url", "http://idp.example.com/token", false).unwrap_err();
        assert_eq!(err.field(), Some("token_url"));
        assert!(err.to_string().contains("must use https"), "{err}");
        assert!(parse_endpoint("token_url", "http://idp.example.com/token", true).is_ok());
        assert!(parse_endpoint("token_url", "ftp://idp.example.com/token", true).is_err());
        assert!(parse_endpoint("token_url", "https://u:p@idp.example.com/", false).is_err());
        assert!(parse_endpoint("token_url", "not a url", false).is_err());
    }
}
