//! TLS to PostgreSQL with rustls (ring), with libpq's `sslmode` meanings:
//!
//! | sslmode | TLS | server certificate checked |
//! |---|---|---|
//! | `disable` | never | — |
//! | `allow`, `prefer` (default) | when the server offers it | no |
//! | `require` | always | no; with `sslrootcert`, as `verify-ca` |
//! | `verify-ca` | always | chain to a trusted root |
//! | `verify-full` | always | chain and host name |
//!
//! Trusted roots: the PEM file `sslrootcert`, or else the system's roots.
//! A unix-socket connection never uses TLS (PostgreSQL offers none there).

use crate::error::{Error, Result, StorageKind};
use postgres::config::{Host, SslMode};
use postgres::{Client, NoTls};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::sync::Arc;
use tokio_postgres_rustls::MakeRustlsConnect;

/// How a URL asks for TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

/// `sslmode` and `sslrootcert` of a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SslSettings {
    pub mode: Mode,
    pub root_cert: Option<String>,
}

impl SslSettings {
    pub fn new(
        sslmode: Option<&str>,
        root_cert: Option<String>,
    ) -> std::result::Result<Self, String> {
        let mode = match sslmode.unwrap_or("prefer") {
            "disable" => Mode::Disable,
            "allow" | "prefer" => Mode::Prefer,
            // libpq: `require` with a root certificate file verifies the chain.
            "require" if root_cert.is_some() => Mode::VerifyCa,
            "require" => Mode::Require,
            "verify-ca" => Mode::VerifyCa,
            "verify-full" => Mode::VerifyFull,
            other => {
                return Err(format!(
                    "sslmode {other:?} is not one of disable, allow, prefer, require, verify-ca, verify-full"
                ))
            }
        };
        Ok(SslSettings { mode, root_cert })
    }
}

/// The TLS connector of a store's connections.
#[derive(Clone)]
pub(crate) enum Tls {
    None,
    Rustls(MakeRustlsConnect, SslMode),
}

impl Tls {
    pub fn new(s: &SslSettings, config: &postgres::Config) -> Result<Tls> {
        let unix_only = config
            .get_hosts()
            .iter()
            .all(|h| !matches!(h, Host::Tcp(_)));
        if s.mode == Mode::Disable || (unix_only && !config.get_hosts().is_empty()) {
            return Ok(Tls::None);
        }
        // ring (small, no C toolchain beyond cc); its lack of post-quantum
        // key exchange is why rustls marks it deprecated.
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::storage(StorageKind::Other, format!("TLS setup: {e}")))?;
        let verifier: Arc<dyn ServerCertVerifier> = match s.mode {
            Mode::Prefer | Mode::Require => Arc::new(NoVerification(provider)),
            Mode::VerifyCa | Mode::VerifyFull => {
                let roots = roots(s.root_cert.as_deref())?;
                let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                    .build()
                    .map_err(|e| Error::storage(StorageKind::Other, format!("TLS setup: {e}")))?;
                if s.mode == Mode::VerifyFull {
                    webpki
                } else {
                    Arc::new(ChainOnly(webpki))
                }
            }
            Mode::Disable => unreachable!(),
        };
        let tls = builder
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        let ssl_mode = if s.mode == Mode::Prefer {
            SslMode::Prefer
        } else {
            SslMode::Require
        };
        Ok(Tls::Rustls(MakeRustlsConnect::new(tls), ssl_mode))
    }

    pub fn connect(
        &self,
        config: &postgres::Config,
    ) -> std::result::Result<Client, postgres::Error> {
        match self {
            Tls::None => {
                let mut c = config.clone();
                c.ssl_mode(SslMode::Disable);
                c.connect(NoTls)
            }
            Tls::Rustls(make, mode) => {
                let mut c = config.clone();
                c.ssl_mode(*mode);
                c.connect(make.clone())
            }
        }
    }
}

/// The trusted roots: the PEM file given, or the system's.
fn roots(file: Option<&str>) -> Result<RootCertStore> {
    let mut roots = RootCertStore::empty();
    match file {
        Some(path) => {
            let pem = std::fs::read(path).map_err(|e| {
                Error::storage(
                    StorageKind::Io,
                    format!("cannot read sslrootcert {path:?}: {e}"),
                )
            })?;
            for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
                let cert = cert.map_err(|e| {
                    Error::storage(
                        StorageKind::Other,
                        format!("sslrootcert {path:?} is not PEM certificates: {e}"),
                    )
                })?;
                roots.add(cert).map_err(|e| {
                    Error::storage(
                        StorageKind::Other,
                        format!("sslrootcert {path:?}: unusable certificate: {e}"),
                    )
                })?;
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            for cert in found.certs {
                let _ = roots.add(cert);
            }
        }
    }
    if roots.is_empty() {
        return Err(Error::storage(
            StorageKind::Other,
            "TLS verification asked for (sslmode verify-ca/verify-full), but there is no trusted \
             root certificate: give sslrootcert=FILE",
        ));
    }
    Ok(roots)
}

/// `sslmode=require`/`prefer` without a root: encryption, no authentication
/// of the server (as libpq).
#[derive(Debug)]
struct NoVerification(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
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
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
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

/// `sslmode=verify-ca`: the chain must lead to a trusted root; the host
/// name is not compared.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName))
            | Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}
