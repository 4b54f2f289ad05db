//! A TLS-terminating gRPC proxy in front of the dev server, standing in for a production
//! cluster or Temporal Cloud in the security tests. It serves TLS with a certificate of a
//! certificate authority the test makes ([`TestPki`]), can require a client certificate of that
//! authority (mutual TLS), and can require gRPC metadata on every call (an API key's
//! `authorization: Bearer ...`, a tenant header), answering `Unauthenticated` without it. Calls
//! that pass go to the dev server's plain port over HTTP/2. It listens on 127.0.0.1 only.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

use http_body_util::{BodyExt, Empty, combinators::BoxBody};
use hyper::{
    Request, Response,
    body::{Bytes, Incoming},
    service::service_fn,
};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, SanType};
use rustls::{
    RootCertStore, ServerConfig,
    pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer},
    server::WebPkiClientVerifier,
};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

/// A certificate authority, a server certificate for `localhost` and `127.0.0.1`, and a client
/// certificate, all made for one test.
pub struct TestPki {
    /// The authority's certificate, which clients trust and the proxy checks clients against.
    pub ca_pem: String,
    /// The client certificate for mutual TLS, and its private key.
    pub client_cert_pem: String,
    pub client_key_pem: String,
    ca_der: CertificateDer<'static>,
    server_der: CertificateDer<'static>,
    server_key_der: Vec<u8>,
}

impl TestPki {
    pub fn new() -> Self {
        let ca_key = KeyPair::generate().expect("a CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "workflow-dsl test CA");
        let ca_cert = ca_params.self_signed(&ca_key).expect("the CA certificate");
        let issuer = Issuer::new(ca_params, ca_key);

        let server_key = KeyPair::generate().expect("a server key");
        let mut server_params =
            CertificateParams::new(vec!["localhost".to_owned()]).expect("server params");
        server_params
            .subject_alt_names
            .push(SanType::IpAddress([127, 0, 0, 1].into()));
        let server_cert = server_params
            .signed_by(&server_key, &issuer)
            .expect("the server certificate");

        let client_key = KeyPair::generate().expect("a client key");
        let mut client_params = CertificateParams::new(Vec::<String>::new()).expect("params");
        client_params
            .distinguished_name
            .push(DnType::CommonName, "payments-worker");
        let client_cert = client_params
            .signed_by(&client_key, &issuer)
            .expect("the client certificate");

        Self {
            ca_pem: ca_cert.pem(),
            client_cert_pem: client_cert.pem(),
            client_key_pem: client_key.serialize_pem(),
            ca_der: ca_cert.der().clone(),
            server_der: server_cert.der().clone(),
            server_key_der: server_key.serialize_der(),
        }
    }
}

impl std::fmt::Debug for TestPki {
    // Certificates only: the keys stay out of test output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestPki")
            .field("ca_pem", &self.ca_pem)
            .field("client_cert_pem", &self.client_cert_pem)
            .finish_non_exhaustive()
    }
}

impl Default for TestPki {
    fn default() -> Self {
        Self::new()
    }
}

/// What the proxy requires of a caller.
#[derive(Debug, Clone, Default)]
pub struct ProxyRules {
    /// A client certificate signed by the test's authority.
    pub client_certificate: bool,
    /// Metadata every call must carry, by lower-case name.
    pub headers: Vec<(String, String)>,
}

/// What the proxy counted, shared by its connections.
#[derive(Debug, Default)]
struct Counters {
    forwarded: AtomicUsize,
    refused: AtomicUsize,
    compressed: AtomicUsize,
}

/// A running proxy; stops when dropped.
#[derive(Debug)]
pub struct TlsProxy {
    address: SocketAddr,
    counters: Arc<Counters>,
    task: tokio::task::JoinHandle<()>,
}

impl TlsProxy {
    /// Starts a proxy to the plain gRPC server at `upstream` (`host:port`).
    pub async fn start(upstream: &str, pki: &TestPki, rules: ProxyRules) -> Self {
        // ring, as the client's TLS (the client crates' `tls-ring`); rustls deprecates it only
        // for lacking post-quantum key exchange, which a local test server does not need.
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .expect("TLS versions");
        let builder = if rules.client_certificate {
            let mut roots = RootCertStore::empty();
            roots.add(pki.ca_der.clone()).expect("trust the CA");
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .expect("a client verifier");
            builder.with_client_cert_verifier(verifier)
        } else {
            builder.with_no_client_auth()
        };
        let mut config = builder
            .with_single_cert(
                vec![pki.server_der.clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.server_key_der.clone())),
            )
            .expect("the server certificate");
        config.alpn_protocols = vec![b"h2".to_vec()];
        let acceptor = TlsAcceptor::from(Arc::new(config));

        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the proxy");
        let address = listener.local_addr().expect("the proxy's address");
        let counters = Arc::new(Counters::default());
        let upstream = upstream.to_owned();
        let shared = Arc::clone(&counters);
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let acceptor = acceptor.clone();
                let upstream = upstream.clone();
                let rules = rules.clone();
                let counters = Arc::clone(&shared);
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        // No certificate, or one the authority did not sign.
                        counters.refused.fetch_add(1, Ordering::SeqCst);
                        return;
                    };
                    let Ok(server) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    let Ok((sender, connection)) = hyper::client::conn::http2::handshake(
                        TokioExecutor::new(),
                        TokioIo::new(server),
                    )
                    .await
                    else {
                        return;
                    };
                    tokio::spawn(connection);
                    let service = service_fn(move |request: Request<Incoming>| {
                        let mut sender = sender.clone();
                        let rules = rules.clone();
                        let upstream = upstream.clone();
                        let counters = Arc::clone(&counters);
                        async move {
                            if let Some(missing) = missing_header(&rules, &request) {
                                counters.refused.fetch_add(1, Ordering::SeqCst);
                                return Ok::<_, hyper::Error>(unauthenticated(&missing));
                            }
                            counters.forwarded.fetch_add(1, Ordering::SeqCst);
                            if request
                                .headers()
                                .get("grpc-encoding")
                                .is_some_and(|encoding| encoding == "gzip")
                            {
                                counters.compressed.fetch_add(1, Ordering::SeqCst);
                            }
                            let (mut parts, body) = request.into_parts();
                            let path = parts
                                .uri
                                .path_and_query()
                                .map_or("/", |path| path.as_str())
                                .to_owned();
                            parts.uri = format!("http://{upstream}{path}")
                                .parse()
                                .expect("an upstream URI");
                            let response = sender
                                .send_request(Request::from_parts(parts, body))
                                .await?;
                            Ok(response.map(BodyExt::boxed))
                        }
                    });
                    let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        Self {
            address,
            counters,
            task,
        }
    }

    /// Where clients connect: `127.0.0.1:port` (the certificate also names `localhost`).
    pub fn address(&self) -> String {
        self.address.to_string()
    }

    /// How many calls reached the server through the proxy.
    pub fn forwarded(&self) -> usize {
        self.counters.forwarded.load(Ordering::SeqCst)
    }

    /// How many of the forwarded calls were gzip-compressed (`grpc-encoding: gzip`).
    pub fn compressed(&self) -> usize {
        self.counters.compressed.load(Ordering::SeqCst)
    }

    /// How many connections and calls the proxy refused.
    pub fn refused(&self) -> usize {
        self.counters.refused.load(Ordering::SeqCst)
    }
}

impl Drop for TlsProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn missing_header(rules: &ProxyRules, request: &Request<Incoming>) -> Option<String> {
    rules
        .headers
        .iter()
        .find(|(name, value)| {
            request
                .headers()
                .get(name.as_str())
                .and_then(|got| got.to_str().ok())
                != Some(value.as_str())
        })
        .map(|(name, _)| name.clone())
}

/// A gRPC `Unauthenticated` answer, as a server refusing a call gives it.
fn unauthenticated(missing: &str) -> Response<BoxBody<Bytes, hyper::Error>> {
    Response::builder()
        .header("content-type", "application/grpc")
        .header("grpc-status", "16")
        .header(
            "grpc-message",
            format!("the call lacks the expected `{missing}` metadata"),
        )
        .body(Empty::new().map_err(|never| match never {}).boxed())
        .expect("a response")
}
