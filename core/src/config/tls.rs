//! TLS settings: extra trust anchors (`ca_file`) and the client certificate
//! of mutual TLS (`client_cert_file` / `client_key_file`, RFC 8705), read and
//! checked when the configuration is built.

use std::fmt;
use std::sync::Arc;

use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use super::settings::Settings;
use crate::Error;

/// How to set up TLS beyond the platform's defaults.
#[derive(Clone, Default)]
pub struct Tls {
    pub(crate) extra_roots: Vec<CertificateDer<'static>>,
    pub(crate) identity: Option<Identity>,
}

/// A client certificate chain and its private key.
#[derive(Clone)]
pub(crate) struct Identity {
    pub(crate) chain: Vec<CertificateDer<'static>>,
    pub(crate) key: Arc<PrivateKeyDer<'static>>,
}

impl Tls {
    /// Reads `ca_file`, `client_cert_file` and `client_key_file` (those the
    /// component has) from `s`.
    pub(crate) fn from_settings(s: &Settings) -> Result<Tls, Error> {
        let extra_roots = match s.file("ca_file") {
            Some(pem) => certificates(s, "ca_file", pem)?,
            None => Vec::new(),
        };
        let files = |name| if s.knows(name) { s.file(name) } else { None };
        let identity = match (files("client_cert_file"), files("client_key_file")) {
            (None, None) => None,
            (Some(_), None) => {
                return Err(s.err("client_key_file", "is required with client_cert_file"));
            }
            (None, Some(_)) => {
                return Err(s.err("client_cert_file", "is required with client_key_file"));
            }
            (Some(cert), Some(key)) => Some(Identity {
                chain: certificates(s, "client_cert_file", cert)?,
                key: Arc::new(PrivateKeyDer::from_pem_slice(key).map_err(|_| {
                    s.err(
                        "client_key_file",
                        "holds no PEM private key (PKCS#8, PKCS#1 or SEC1)",
                    )
                })?),
            }),
        };
        if let Some(identity) = &identity {
            check_identity(s, identity)?;
        }
        Ok(Tls {
            extra_roots,
            identity,
        })
    }

    /// Whether a client certificate is configured.
    pub fn has_client_certificate(&self) -> bool {
        self.identity.is_some()
    }
}

/// The key must be one TLS can sign with, and the certificate's.
#[cfg(feature = "runtime")]
fn check_identity(s: &Settings, identity: &Identity) -> Result<(), Error> {
    let provider = rustls::crypto::ring::default_provider();
    rustls::sign::CertifiedKey::from_der(
        identity.chain.clone(),
        identity.key.clone_key(),
        &provider,
    )
    .map(drop)
    .map_err(|e| match e {
        rustls::Error::InconsistentKeys(_) => s.err(
            "client_key_file",
            "is not the key of the certificate in client_cert_file",
        ),
        other => s.err(
            "client_key_file",
            format!("cannot be used for TLS ({other})"),
        ),
    })
}

/// Without the runtime there is no TLS stack to check the key with.
#[cfg(not(feature = "runtime"))]
#[allow(clippy::unnecessary_wraps)] // the same signature as the runtime's
fn check_identity(_: &Settings, _: &Identity) -> Result<(), Error> {
    Ok(())
}

fn certificates(
    s: &Settings,
    field: &str,
    pem: &[u8],
) -> Result<Vec<CertificateDer<'static>>, Error> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<_, _>>()
        .map_err(|_| s.err(field, "holds a PEM certificate that cannot be decoded"))?;
    if certs.is_empty() {
        return Err(s.err(
            field,
            "holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
        ));
    }
    Ok(certs)
}

impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tls")
            .field("extra_roots", &self.extra_roots.len())
            .field("client_certificate", &self.identity.is_some())
            .finish()
    }
}
