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

/// Whether `http://` is allowed to hosts other than loopback, and how the
/// option that allows it is named in errors (`allow_insecure_http`,
/// `allowInsecureHttp`, `M2MAUTH_ALLOW_INSECURE_HTTP`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Insecure<'a> {
    pub(crate) allowed: bool,
    pub(crate) option: &'a str,
}

impl Insecure<'_> {
    /// The opt-in as given by code (`allow_insecure_http`).
    pub(crate) const fn allowed(allowed: bool) -> Insecure<'static> {
        Insecure {
            allowed,
            option: "allow_insecure_http",
        }
    }
}

/// Parses an endpoint URL and applies the transport rules; `field` names it in errors.
pub(crate) fn parse_endpoint(field: &str, raw: &str, insecure: Insecure<'_>) -> Result<Url, Error> {
    let url = Url::parse(raw.trim())
        .map_err(|e| Error::config(field, format!("is not a valid URL ({e})")))?;
    check_endpoint(field, &url, insecure)?;
    Ok(url)
}

/// Applies the transport rules to an already parsed URL (also used for
/// endpoints learnt from discovery).
pub(crate) fn check_endpoint(field: &str, url: &Url, insecure: Insecure<'_>) -> Result<(), Error> {
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
        "http" if insecure.allowed || is_loopback(url) => Ok(()),
        "http" => Err(Error::config(
            field,
            format!(
                "must use https: http is allowed only for loopback hosts or with {} (host {})",
                insecure.option,
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
        assert!(
            parse_endpoint(
                "token_url",
                "https://idp.example.com/token",
                Insecure::allowed(false)
            )
            .is_ok()
        );
        assert!(
            parse_endpoint(
                "token_url",
                "http://127.0.0.1:8080/token",
                Insecure::allowed(false)
            )
            .is_ok()
        );
        assert!(
            parse_endpoint(
                "token_url",
                "http://[::1]:8080/token",
                Insecure::allowed(false)
            )
            .is_ok()
        );
        assert!(
            parse_endpoint(
                "token_url",
                "http://localhost/token",
                Insecure::allowed(false)
            )
            .is_ok()
        );
        let err = parse_endpoint(
            "token_url",
            "http://idp.example.com/token",
            Insecure::allowed(false),
        )
        .unwrap_err();
        assert_eq!(err.field(), Some("token_url"));
        assert!(err.to_string().contains("must use https"), "{err}");
        assert!(
            parse_endpoint(
                "token_url",
                "http://idp.example.com/token",
                Insecure::allowed(true)
            )
            .is_ok()
        );
        assert!(
            parse_endpoint(
                "token_url",
                "ftp://idp.example.com/token",
                Insecure::allowed(true)
            )
            .is_err()
        );
        assert!(
            parse_endpoint(
                "token_url",
                "https://u:p@idp.example.com/",
                Insecure::allowed(false)
            )
            .is_err()
        );
        assert!(parse_endpoint("token_url", "not a url", Insecure::allowed(false)).is_err());
    }
}
