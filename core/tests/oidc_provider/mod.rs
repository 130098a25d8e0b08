//! panva's `oidc-provider` (npm, pinned in tests/interop/oidc-provider),
//! started on 127.0.0.1 by a test and stopped by PID when dropped. Needs
//! `npm ci --prefix tests/interop/oidc-provider` (the README's test command
//! runs it). Shared by several test files, each of which uses part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The directory of the interop files (server, keys, certificates).
pub(crate) fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/interop/oidc-provider")
}

/// A test key (tests/vectors/keys).
pub(crate) fn key_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors/keys")
        .join(name)
}

/// A running provider; killed when dropped.
pub(crate) struct OidcProvider {
    child: Child,
    /// The issuer URL.
    pub(crate) issuer: String,
    /// The CA certificate file of an HTTPS provider.
    pub(crate) ca_file: Option<PathBuf>,
}

impl OidcProvider {
    /// Starts it over HTTP with tokens of `ttl_secs`.
    pub(crate) fn start(ttl_secs: u32) -> OidcProvider {
        OidcProvider::launch(ttl_secs, false)
    }

    /// Starts it over HTTPS (mTLS clients enabled).
    pub(crate) fn start_tls() -> OidcProvider {
        OidcProvider::launch(3600, true)
    }

    fn launch(ttl_secs: u32, tls: bool) -> OidcProvider {
        let dir = dir();
        assert!(
            dir.join("node_modules/oidc-provider").is_dir(),
            "oidc-provider is not installed: run `npm ci --prefix tests/interop/oidc-provider` (the README's test command does)"
        );
        let mut child = Command::new("node")
            .arg(dir.join("server.mjs"))
            .env("PORT", "0")
            .env("TTL", ttl_secs.to_string())
            .env("TLS", if tls { "1" } else { "0" })
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node runs");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let info: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|_| panic!("bad first line {line:?}"));
        OidcProvider {
            child,
            issuer: info["issuer"].as_str().unwrap().to_owned(),
            ca_file: info["ca_file"].as_str().map(PathBuf::from),
        }
    }

    /// POST /token requests the provider has received.
    pub(crate) async fn token_requests(&self) -> u64 {
        let url = format!("{}/__token_requests", self.issuer);
        let body = plain_http_get(&url).await;
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["token_requests"]
            .as_u64()
            .unwrap()
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A GET over a plain TCP socket (the provider's counter is on loopback http).
async fn plain_http_get(url: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let url = url::Url::parse(url).unwrap();
    let mut stream = tokio::net::TcpStream::connect((url.host_str().unwrap(), url.port().unwrap()))
        .await
        .unwrap();
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        url.path()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default()
}
