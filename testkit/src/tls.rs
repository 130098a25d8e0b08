//! HTTPS for the test issuer: a CA generated at start, a server certificate
//! for 127.0.0.1 and localhost, client certificates on request, and a TLS
//! server that asks for (but does not require) a client certificate, so the
//! token endpoint can judge mTLS clients itself (RFC 8705).

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair,
};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName as TlsName, SignatureScheme};

/// The issuer's certificate authority and TLS server configuration.
pub(crate) struct Tls {
    ca: Issuer<'static, KeyPair>,
    /// The CA certificate (PEM), for clients' `ca_file`.
    pub(crate) ca_pem: String,
    pub(crate) acceptor: tokio_rustls::TlsAcceptor,
}

/// A certificate and its private key, in PEM, and the certificate's DER.
pub(crate) struct Issued {
    pub(crate) cert_pem: String,
    pub(crate) key_pem: String,
    pub(crate) der: Vec<u8>,
}

fn failed(e: impl std::fmt::Display) -> String {
    format!("cannot set up TLS: {e}")
}

fn named(common_name: &str, sans: Vec<String>) -> Result<CertificateParams, String> {
    let mut params = CertificateParams::new(sans).map_err(failed)?;
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    params.distinguished_name = name;
    Ok(params)
}

impl Tls {
    /// A new CA and a server certificate signed by it.
    pub(crate) fn generate() -> Result<Tls, String> {
        let ca_key = KeyPair::generate().map_err(failed)?;
        let mut ca_params = named("m2mauth testkit CA", Vec::new())?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_cert = ca_params.self_signed(&ca_key).map_err(failed)?;
        let ca = Issuer::new(ca_params, ca_key);
        let server_key = KeyPair::generate().map_err(failed)?;
        let server = named("127.0.0.1", vec!["127.0.0.1".into(), "localhost".into()])?
            .signed_by(&server_key, &ca)
            .map_err(failed)?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = Arc::new(AnyClientCertificate(provider.clone()));
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(failed)?
            .with_client_cert_verifier(verifier)
            .with_single_cert(vec![server.der().clone()], key)
            .map_err(failed)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Tls {
            ca,
            ca_pem: ca_cert.pem(),
            acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
        })
    }

    /// A client certificate with subject `CN=<common_name>` signed by the CA.
    pub(crate) fn client_certificate(&self, common_name: &str) -> Result<Issued, String> {
        let key = KeyPair::generate().map_err(failed)?;
        let cert = named(common_name, Vec::new())?
            .signed_by(&key, &self.ca)
            .map_err(failed)?;
        Ok(Issued {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            der: cert.der().to_vec(),
        })
    }
}

/// A self-signed client certificate (`self_signed_tls_client_auth`).
pub(crate) fn self_signed(common_name: &str) -> Result<Issued, String> {
    let key = KeyPair::generate().map_err(failed)?;
    let cert = named(common_name, Vec::new())?
        .self_signed(&key)
        .map_err(failed)?;
    Ok(Issued {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
        der: cert.der().to_vec(),
    })
}

/// Takes any client certificate whose holder proves its key in the
/// handshake; which certificates a client may use is the token endpoint's
/// decision, as in a real deployment of RFC 8705 behind a TLS terminator.
#[derive(Debug)]
struct AnyClientCertificate(Arc<rustls::crypto::CryptoProvider>);

impl ClientCertVerifier for AnyClientCertificate {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[TlsName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
