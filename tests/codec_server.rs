//! The codec server against real callers: its HTTP protocol (encode, decode, CORS preflight,
//! the authorization hook, a malformed body), and the dev server's web UI in headless Chromium,
//! which shows the decoded card number of an encrypted workflow on the workflow's page while
//! the server holds only ciphertext.

use std::time::Duration;

use examples::encryption::EncryptionCodec;
use tests::{chromium, eventually, task_queue};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use workflow_runtime::{
    RunningWorker, Worker,
    codec::{CodecServer, PayloadCodec},
    payload::{decode, encode},
    prelude::*,
    testing::DevServer,
};

use crate::encryption::{CardCharge, charge_card};

const KEY: [u8; 32] = [0x42; 32];
const UI_ORIGIN: &str = "http://ui.example";

/// One HTTP/1.1 exchange: the status, the response headers (lower-cased) and the body.
async fn http(
    address: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, Vec<(String, String)>, String) {
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect to the codec server");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream
        .write_all(request.as_bytes())
        .await
        .expect("send the request");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .await
        .expect("read the response");
    let (head, body) = response.split_once("\r\n\r\n").expect("a response head");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|line| line.split_once(": "))
        .map(|(name, value)| (name.to_ascii_lowercase(), value.to_owned()))
        .collect();
    (status, headers, body.to_owned())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// The JSON body of one payload list.
fn body_of(payloads: &[workflow_runtime::payload::Payload]) -> String {
    use base64::Engine;
    let engine = base64::engine::general_purpose::STANDARD;
    let items: Vec<serde_json::Value> = payloads
        .iter()
        .map(|payload| {
            let metadata: serde_json::Map<String, serde_json::Value> = payload
                .metadata
                .iter()
                .map(|(key, value)| (key.clone(), engine.encode(value).into()))
                .collect();
            serde_json::json!({ "metadata": metadata, "data": engine.encode(&payload.data) })
        })
        .collect();
    serde_json::json!({ "payloads": items }).to_string()
}

fn payloads_of(body: &str) -> Vec<workflow_runtime::payload::Payload> {
    use base64::Engine;
    let engine = base64::engine::general_purpose::STANDARD;
    let parsed: serde_json::Value = serde_json::from_str(body).expect("a JSON body");
    parsed["payloads"]
        .as_array()
        .expect("payloads")
        .iter()
        .map(|item| {
            let mut payload = workflow_runtime::payload::Payload {
                data: engine
                    .decode(item["data"].as_str().unwrap_or_default())
                    .expect("base64 data"),
                ..Default::default()
            };
            for (key, value) in item["metadata"].as_object().expect("metadata") {
                payload.metadata.insert(
                    key.clone(),
                    engine
                        .decode(value.as_str().unwrap_or_default())
                        .expect("base64 metadata"),
                );
            }
            payload
        })
        .collect()
}

#[tokio::test]
async fn the_codec_server_speaks_the_remote_codec_protocol() {
    let server = CodecServer::new(EncryptionCodec::new("k1", KEY))
        .allow_origin(UI_ORIGIN)
        .authorize(|request| request.authorization() == Some("Bearer team-token"))
        .start("127.0.0.1:0")
        .await
        .expect("start the codec server");
    let address = server.address();
    let authorized = [
        ("Authorization", "Bearer team-token"),
        ("X-Namespace", "default"),
        ("Content-Type", "application/json"),
    ];

    // Encode, then decode: the value comes back; the encoded form hides it.
    let plain = vec![encode("4111-1111-1111-1111").expect("encode")];
    let (status, _, encoded) =
        http(address, "POST", "/encode", &authorized, &body_of(&plain)).await;
    assert_eq!(status, 200, "{encoded}");
    assert!(!encoded.contains("4111") && encoded.contains("encryption-key-id"));
    let (status, _, decoded) = http(address, "POST", "/decode", &authorized, &encoded).await;
    assert_eq!(status, 200, "{decoded}");
    assert_eq!(payloads_of(&decoded), plain);
    // A prefix before the verb works too, as the UI may be given `https://host/codec`.
    let (status, _, _) = http(address, "POST", "/codec/decode", &authorized, &encoded).await;
    assert_eq!(status, 200);

    // A browser's preflight from the UI's origin is allowed, with credentials.
    let (status, headers, _) = http(
        address,
        "OPTIONS",
        "/decode",
        &[
            ("Origin", UI_ORIGIN),
            ("Access-Control-Request-Method", "POST"),
            (
                "Access-Control-Request-Headers",
                "content-type,x-namespace,authorization",
            ),
        ],
        "",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        header(&headers, "access-control-allow-origin"),
        Some(UI_ORIGIN)
    );
    assert_eq!(
        header(&headers, "access-control-allow-credentials"),
        Some("true")
    );
    let allowed = header(&headers, "access-control-allow-headers").unwrap_or_default();
    assert!(
        allowed.contains("X-Namespace") && allowed.contains("Authorization"),
        "{allowed}"
    );
    // Another origin gets no CORS grant, so its browser refuses the answer.
    let (_, headers, _) = http(
        address,
        "OPTIONS",
        "/decode",
        &[("Origin", "http://elsewhere.example")],
        "",
    )
    .await;
    assert_eq!(header(&headers, "access-control-allow-origin"), None);

    // The hook refuses a caller without the token; nothing is decoded for it.
    let (status, _, body) = http(address, "POST", "/decode", &[], &encoded).await;
    assert_eq!(status, 401);
    assert!(!body.contains("4111"));
    // A malformed body says what was expected.
    let (status, _, body) = http(address, "POST", "/decode", &authorized, "[1, 2]").await;
    assert_eq!(status, 400);
    assert!(body.contains("\"payloads\""), "{body}");
    // A payload under an unknown key names the key.
    let stranger = EncryptionCodec::new("k9", [9; 32]);
    let foreign = stranger.encode(plain.clone()).await.expect("encrypt");
    let (status, _, body) = http(address, "POST", "/decode", &authorized, &body_of(&foreign)).await;
    assert_eq!(status, 400);
    assert!(body.contains("no key `k9`"), "{body}");
    // Other paths and methods are refused.
    assert_eq!(
        http(address, "GET", "/decode", &authorized, "").await.0,
        405
    );
    assert_eq!(
        http(address, "POST", "/other", &authorized, "").await.0,
        404
    );
    assert_eq!(
        decode::<String>(&payloads_of(&decoded)[0]).expect("decode"),
        "4111-1111-1111-1111"
    );
}

#[tokio::test]
async fn the_web_ui_shows_the_decoded_value_of_an_encrypted_workflow() {
    let chromium = chromium();
    // The codec server listens first, so the dev server's UI can be pointed at it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("reserve a port");
    let codec_address = listener.local_addr().expect("address");
    drop(listener);
    let server = DevServer::builder()
        .ui(true)
        .arg("--ui-codec-endpoint")
        .arg(format!("http://{codec_address}"))
        .start()
        .await
        .expect("start a dev server with its UI");
    let ui = server.ui_url().expect("the UI").to_owned();
    let _codec_server = CodecServer::new(EncryptionCodec::new("ui", KEY))
        .allow_origin(&ui)
        .authorize(|request| request.namespace() == Some("default"))
        .start(codec_address)
        .await
        .expect("start the codec server");

    let client = workflow_runtime::Client::connect(
        server
            .client_options()
            .payload_codec(EncryptionCodec::new("ui", KEY)),
    )
    .await
    .expect("connect");
    let queue = task_queue("codec-ui");
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<CardCharge>()
            .activity(charge_card),
    );
    let card = "3782-822463-10005";
    let handle = client
        .start(
            CardCharge::run,
            (card.to_owned(), false),
            StartOptions::new(format!("{queue}-charge"), &queue),
        )
        .await
        .expect("start");
    handle
        .signal(CardCharge::note, "shown in the UI".to_owned())
        .await
        .expect("signal");
    handle.result().await.expect("result");
    worker.stop().await.expect("clean shutdown");

    let page = format!(
        "{ui}/namespaces/default/workflows/{}/{}/history",
        handle.workflow_id(),
        handle.run_id().expect("run id")
    );
    let dom = eventually(
        Duration::from_secs(120),
        "the UI to show the decoded card",
        || {
            let chromium = chromium.clone();
            let page = page.clone();
            async move {
                let dom = tokio::task::spawn_blocking(move || tests::dump_dom(&chromium, &page))
                    .await
                    .expect("chromium")?;
                if dom.contains(card) {
                    Ok(dom)
                } else {
                    Err(format!("the page does not show `{card}` yet"))
                }
            }
        },
    )
    .await;
    assert!(
        dom.contains("shown in the UI"),
        "the signal's argument is decoded too"
    );

    // The CLI decodes through the same server.
    let cli = workflow_runtime::testing::temporal_cli().expect("the Temporal CLI");
    // Asynchronously: the codec server answers on this test's runtime.
    let output = tokio::process::Command::new(cli)
        .args(["workflow", "result", "--workflow-id", handle.workflow_id()])
        .args(["--address", server.address()])
        .args(["--codec-endpoint", &format!("http://{codec_address}")])
        .output()
        .await
        .expect("run the CLI");
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(
        shown.contains(&format!("charged {card}")),
        "{shown}{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
