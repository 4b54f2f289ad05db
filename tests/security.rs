//! Pointing at a production cluster: a server that requires TLS, mutual TLS, an API key and a
//! gRPC metadata header (a TLS-terminating proxy the test starts in front of the dev server,
//! with certificates it makes). A worker and a client with every credential run a workflow
//! through it; a client missing any one of them gets a clear error; and one full run configured
//! by the standard `TEMPORAL_*` variables, logged at every level, never writes the API key, the
//! private key or the payloads it carries.

use std::process::Command;

use tests::{
    server_address, task_queue,
    tls_proxy::{ProxyRules, TestPki, TlsProxy},
};
use workflow_runtime::{Client, ClientError, ClientOptions, RunningWorker, prelude::*};

use crate::handles::Tally;

const API_KEY: &str = "tk_test_3f9a1c7e5b2d4086";
const TENANT: &str = "blue";

async fn strict_proxy(pki: &TestPki) -> TlsProxy {
    TlsProxy::start(
        server_address(),
        pki,
        ProxyRules {
            client_certificate: true,
            headers: vec![
                ("authorization".to_owned(), format!("Bearer {API_KEY}")),
                ("x-tenant".to_owned(), TENANT.to_owned()),
            ],
        },
    )
    .await
}

/// A credential the strict proxy asks for, which a client may lack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Credential {
    ApiKey,
    TenantHeader,
    ClientCertificate,
    /// Trust in the server's certificate authority.
    ServerTrust,
}

/// Options with every credential the strict proxy asks for but `missing`.
fn options_without(proxy: &TlsProxy, pki: &TestPki, missing: Option<Credential>) -> ClientOptions {
    let trusted = if missing == Some(Credential::ServerTrust) {
        TestPki::new().ca_pem
    } else {
        pki.ca_pem.clone()
    };
    let mut options = ClientOptions::new(proxy.address())
        .tls(Some(trusted.into_bytes()), Some("localhost".to_owned()));
    if missing != Some(Credential::ClientCertificate) {
        options = options.client_certificate(
            pki.client_cert_pem.clone().into_bytes(),
            pki.client_key_pem.clone().into_bytes(),
        );
    }
    if missing != Some(Credential::ApiKey) {
        options = options.api_key(API_KEY);
    }
    if missing != Some(Credential::TenantHeader) {
        options = options.grpc_header("x-tenant", TENANT);
    }
    options
}

/// An error and its sources, in one line.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Runs a worker and one `Tally` (one signal added) through `client`, to its result.
async fn run_a_tally(client: &Client, label: &str) {
    let queue = task_queue(label);
    let worker = RunningWorker::start(Worker::new(client, &queue).workflow::<Tally>());
    let handle = client
        .start(
            Tally::run,
            (),
            StartOptions::new(format!("{queue}-tally"), &queue),
        )
        .await
        .expect("start");
    handle.signal(Tally::add, ()).await.expect("signal");
    handle.signal(Tally::finish, ()).await.expect("signal");
    assert_eq!(handle.result().await.expect("result"), 1);
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn a_worker_and_a_client_run_through_mutual_tls_with_an_api_key_and_metadata() {
    let pki = TestPki::new();
    let proxy = strict_proxy(&pki).await;
    let client = Client::connect(options_without(&proxy, &pki, None))
        .await
        .expect("connect with every credential");
    run_a_tally(&client, "mtls").await;
    assert!(
        proxy.forwarded() > 5,
        "{} calls went through",
        proxy.forwarded()
    );
    assert_eq!(proxy.refused(), 0);
}

/// Gzip costs CPU on both ends for bandwidth that a server on the same machine does not need:
/// calls to a loopback address go uncompressed unless the client asks, and the server takes
/// either.
#[tokio::test]
async fn calls_are_compressed_only_when_asked_with_a_server_on_this_machine() {
    let pki = TestPki::new();
    for gzip in [None, Some(true)] {
        let proxy = TlsProxy::start(server_address(), &pki, ProxyRules::default()).await;
        let mut options = ClientOptions::new(proxy.address()).tls(
            Some(pki.ca_pem.clone().into_bytes()),
            Some("localhost".to_owned()),
        );
        if let Some(gzip) = gzip {
            options = options.grpc_compression(gzip);
        }
        let client = Client::connect(options).await.expect("connect");
        run_a_tally(&client, "gzip").await;
        let (forwarded, compressed) = (proxy.forwarded(), proxy.compressed());
        match gzip {
            None => assert_eq!(
                compressed, 0,
                "{compressed} of {forwarded} calls compressed"
            ),
            Some(_) => assert!(
                compressed > 5,
                "{compressed} of {forwarded} calls compressed"
            ),
        }
    }
}

#[tokio::test]
async fn a_client_missing_a_credential_gets_a_clear_error() {
    let pki = TestPki::new();
    let proxy = strict_proxy(&pki).await;
    let cases = [
        (Credential::ApiKey, "`authorization`"),
        (Credential::TenantHeader, "`x-tenant`"),
        (Credential::ClientCertificate, "cannot connect"),
        (Credential::ServerTrust, "cannot connect"),
    ];
    for (missing, expected) in cases {
        let case = format!("without {missing:?}");
        let error = Client::connect(options_without(&proxy, &pki, Some(missing)))
            .await
            .expect_err(&format!("{case}: the server refuses"));
        let text = chain(&error);
        assert!(
            matches!(error, ClientError::Connect { .. }) && text.contains(expected),
            "{case}: {text}"
        );
        assert!(
            !text.contains(API_KEY),
            "{case}: the error shows the API key: {text}"
        );
    }
    // The proxy refused three; the client refused the untrusted server itself.
    assert!(proxy.refused() >= 3, "{} refusals", proxy.refused());
    assert_eq!(proxy.forwarded(), 0);
}

#[tokio::test]
async fn a_full_run_logged_at_every_level_writes_no_secret() {
    let pki = TestPki::new();
    let proxy = strict_proxy(&pki).await;
    let queue = task_queue("logged-run");
    let card = "6011-0009-9013-9424";
    let result_file = std::env::temp_dir().join(format!("{queue}.result"));
    let output = tokio::task::spawn_blocking({
        let (address, pki_ca, cert, key) = (
            proxy.address(),
            pki.ca_pem.clone(),
            pki.client_cert_pem.clone(),
            pki.client_key_pem.clone(),
        );
        let (queue, result_file) = (queue.clone(), result_file.clone());
        move || {
            Command::new(env!("CARGO_BIN_EXE_logged-run"))
                .args([queue.as_str(), card])
                .env("RUST_LOG", "trace")
                .env("TEMPORAL_ADDRESS", address)
                .env("TEMPORAL_TLS_SERVER_CA_CERT_DATA", pki_ca)
                .env("TEMPORAL_TLS_SERVER_NAME", "localhost")
                .env("TEMPORAL_TLS_CLIENT_CERT_DATA", cert)
                .env("TEMPORAL_TLS_CLIENT_KEY_DATA", key)
                .env("TEMPORAL_API_KEY", API_KEY)
                .env("TEMPORAL_GRPC_META_X_TENANT", TENANT)
                .env("TEMPORAL_CONFIG_FILE", "/nonexistent/temporal.toml")
                .env("LOGGED_RUN_RESULT", &result_file)
                .output()
                .expect("run logged-run")
        }
    })
    .await
    .expect("the run");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "the run failed:\n{log}");
    let result = std::fs::read_to_string(&result_file).expect("the run's result");
    let _ = std::fs::remove_file(&result_file);
    assert_eq!(result, format!("authorized {card}"));
    assert!(
        log.lines().count() > 100,
        "too little was logged to prove anything:\n{log}"
    );
    assert!(proxy.forwarded() > 5, "the run went through the proxy");

    // The key's base64 body, line by line: any line of it in the log is key material.
    let key_lines: Vec<&str> = pki
        .client_key_pem
        .lines()
        .filter(|line| !line.starts_with("-----") && line.len() > 16)
        .collect();
    let secrets = [("the API key", API_KEY), ("the card number", card)]
        .into_iter()
        .chain(key_lines.iter().map(|line| ("the private key", *line)));
    for (what, secret) in secrets {
        let leaks: Vec<&str> = log
            .lines()
            .filter(|line| line.contains(secret))
            .take(3)
            .collect();
        assert!(
            leaks.is_empty(),
            "{what} is in the log:\n{}",
            leaks.join("\n")
        );
    }
}
