//! A codec server: the HTTP endpoint the Temporal web UI and CLI call to decode the payloads
//! they show (and encode what a user types), so people with access to it read the values that
//! the server only holds encrypted.
//!
//! The protocol is Temporal's remote codec protocol, as every SDK's codec server speaks it:
//! `POST <prefix>/decode` and `POST <prefix>/encode`, each with a JSON body
//! `{"payloads": [{"metadata": {"encoding": "<base64>"}, "data": "<base64>"}]}` (the proto JSON
//! of `Payloads`) and the same shape back; the namespace in the `X-Namespace` header. Browsers
//! call it across origins, so it answers CORS preflights for the origins it allows (the UI's),
//! with credentials, so the UI can forward the user's `Authorization` header to the
//! [`authorize`](CodecServer::authorize) hook.

use std::{convert::Infallible, net::SocketAddr, sync::Arc};

use base64::{Engine, engine::general_purpose::STANDARD};
use http_body_util::{BodyExt, Full, Limited};
use hyper::{
    Method, Request, Response, StatusCode,
    body::{Bytes, Incoming},
    header::{self, HeaderMap, HeaderValue},
    service::service_fn,
};
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use tokio::{net::TcpListener, task::JoinSet};

use crate::{
    codec::{Direction, DynCodec, PayloadCodec, transform},
    payload::Payload,
};

/// The largest request body the server reads: a page of payloads, each under the server's
/// 2 MiB blob limit.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// What the [`authorize`](CodecServer::authorize) hook sees of a request.
#[derive(Debug)]
pub struct CodecRequest<'a> {
    headers: &'a HeaderMap,
}

impl CodecRequest<'_> {
    /// The namespace the caller works in (the `X-Namespace` header), if given.
    pub fn namespace(&self) -> Option<&str> {
        self.header("x-namespace")
    }

    /// The `Authorization` header (the UI forwards the user's token when configured to), if
    /// given.
    pub fn authorization(&self) -> Option<&str> {
        self.header("authorization")
    }

    /// Any header, by name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

type Authorize = Arc<dyn Fn(&CodecRequest<'_>) -> bool + Send + Sync>;

/// Serves a [`PayloadCodec`] over HTTP to the Temporal web UI and CLI.
///
/// ```no_run
/// # use workflow_runtime::{codec::{CodecError, PayloadCodec}, payload::Payload};
/// # struct Encryption;
/// # impl PayloadCodec for Encryption {
/// #     async fn encode(&self, p: Vec<Payload>) -> Result<Vec<Payload>, CodecError> { Ok(p) }
/// #     async fn decode(&self, p: Vec<Payload>) -> Result<Vec<Payload>, CodecError> { Ok(p) }
/// # }
/// # async fn demo() -> std::io::Result<()> {
/// use workflow_runtime::codec::CodecServer;
/// let server = CodecServer::new(Encryption)
///     .allow_origin("http://localhost:8233")
///     .authorize(|request| request.authorization() == Some("Bearer team-secret"))
///     .start("127.0.0.1:8081")
///     .await?;
/// // temporal server start-dev --ui-codec-endpoint http://127.0.0.1:8081
/// println!("codec server at {}", server.url());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct CodecServer {
    codec: Arc<dyn DynCodec>,
    origins: Vec<String>,
    authorize: Option<Authorize>,
}

impl std::fmt::Debug for CodecServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodecServer")
            .field("origins", &self.origins)
            .field("authorize", &self.authorize.is_some())
            .finish_non_exhaustive()
    }
}

impl CodecServer {
    /// A server for `codec`, which allows no browser origin and every caller until told
    /// otherwise.
    pub fn new(codec: impl PayloadCodec) -> Self {
        Self {
            codec: Arc::new(codec),
            origins: Vec::new(),
            authorize: None,
        }
    }

    /// Lets pages of `origin` (the web UI's, such as `http://localhost:8233`) call the server
    /// from a browser, with credentials. Without it, browsers refuse the server's answers;
    /// callers outside a browser (the CLI) need no origin.
    pub fn allow_origin(mut self, origin: impl Into<String>) -> Self {
        self.origins
            .push(origin.into().trim_end_matches('/').to_owned());
        self
    }

    /// Decides who may decode and encode: the hook sees each request's headers (the token the
    /// UI forwards, the namespace) and refuses it by returning `false`, which answers
    /// `401 Unauthorized`. Without a hook, anyone who reaches the server may use it, so bind
    /// it where only your team can.
    pub fn authorize(
        mut self,
        hook: impl Fn(&CodecRequest<'_>) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.authorize = Some(Arc::new(hook));
        self
    }

    /// Listens on `address` and serves in the background until the returned handle is stopped
    /// or dropped.
    pub async fn start(
        self,
        address: impl tokio::net::ToSocketAddrs,
    ) -> std::io::Result<RunningCodecServer> {
        let listener = TcpListener::bind(address).await?;
        let address = listener.local_addr()?;
        let server = Arc::new(self);
        let task = tokio::spawn(async move { server.serve(listener).await });
        Ok(RunningCodecServer { address, task })
    }

    async fn serve(self: Arc<Self>, listener: TcpListener) {
        let mut connections = JoinSet::new();
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let server = Arc::clone(&self);
            connections.spawn(async move {
                let service = service_fn(move |request| {
                    let server = Arc::clone(&server);
                    async move { Ok::<_, Infallible>(server.answer(request).await) }
                });
                if let Err(error) = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await
                {
                    tracing::debug!("codec server connection ended: {error}");
                }
            });
            while connections.try_join_next().is_some() {}
        }
    }

    /// The allowed origin of the request, if it names one.
    fn allowed_origin(&self, headers: &HeaderMap) -> Option<HeaderValue> {
        let origin = headers.get(header::ORIGIN)?;
        let text = origin.to_str().ok()?;
        self.origins
            .iter()
            .any(|allowed| allowed == text || allowed == "*")
            .then(|| origin.clone())
    }

    async fn answer(&self, request: Request<Incoming>) -> Response<Full<Bytes>> {
        let origin = self.allowed_origin(request.headers());
        let mut response = self.respond(request).await;
        if let Some(origin) = origin {
            let headers = response.headers_mut();
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("POST, OPTIONS"),
            );
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("Content-Type, X-Namespace, Authorization"),
            );
            headers.insert(header::VARY, HeaderValue::from_static("Origin"));
        }
        response
    }

    async fn respond(&self, request: Request<Incoming>) -> Response<Full<Bytes>> {
        let path = request.uri().path().trim_end_matches('/');
        let direction = if path.ends_with("/encode") {
            Direction::Encode
        } else if path.ends_with("/decode") {
            Direction::Decode
        } else {
            return text(
                StatusCode::NOT_FOUND,
                "a codec server answers POST .../encode and POST .../decode",
            );
        };
        if request.method() == Method::OPTIONS {
            return text(StatusCode::OK, "");
        }
        if request.method() != Method::POST {
            return text(StatusCode::METHOD_NOT_ALLOWED, "use POST");
        }
        if let Some(authorize) = &self.authorize
            && !authorize(&CodecRequest {
                headers: request.headers(),
            })
        {
            return text(StatusCode::UNAUTHORIZED, "not authorized to use this codec");
        }
        let body = match Limited::new(request.into_body(), MAX_BODY).collect().await {
            Ok(body) => body.to_bytes(),
            Err(_) => {
                return text(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    &format!("a request body may hold at most {MAX_BODY} bytes"),
                );
            }
        };
        let payloads = match parse(&body) {
            Ok(payloads) => payloads,
            Err(message) => return text(StatusCode::BAD_REQUEST, &message),
        };
        match transform(&*self.codec, direction, payloads).await {
            Ok(payloads) => {
                let mut response = Response::new(Full::new(Bytes::from(render(&payloads))));
                response.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                response
            }
            Err(error) => text(StatusCode::BAD_REQUEST, &crate::payload::chain_text(&error)),
        }
    }
}

fn text(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(message.to_owned())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// `Payloads` in proto JSON: bytes as base64.
#[derive(Serialize, Deserialize)]
struct JsonPayloads {
    #[serde(default)]
    payloads: Vec<JsonPayload>,
}

#[derive(Serialize, Deserialize)]
struct JsonPayload {
    #[serde(default)]
    metadata: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    data: String,
}

fn parse(body: &[u8]) -> Result<Vec<Payload>, String> {
    let parsed: JsonPayloads = serde_json::from_slice(body).map_err(|e| {
        format!("the body is not {{\"payloads\": [{{\"metadata\": {{..}}, \"data\": \"<base64>\"}}]}}: {e}")
    })?;
    parsed
        .payloads
        .into_iter()
        .map(|payload| {
            let metadata = payload
                .metadata
                .into_iter()
                .map(|(key, value)| {
                    STANDARD
                        .decode(&value)
                        .map(|value| (key.clone(), value))
                        .map_err(|e| format!("metadata `{key}` is not base64: {e}"))
                })
                .collect::<Result<_, _>>()?;
            let data = STANDARD
                .decode(&payload.data)
                .map_err(|e| format!("a payload's data is not base64: {e}"))?;
            Ok(Payload {
                metadata,
                data,
                ..Payload::default()
            })
        })
        .collect()
}

fn render(payloads: &[Payload]) -> String {
    let json = JsonPayloads {
        payloads: payloads
            .iter()
            .map(|payload| JsonPayload {
                metadata: payload
                    .metadata
                    .iter()
                    .map(|(key, value)| (key.clone(), STANDARD.encode(value)))
                    .collect(),
                data: STANDARD.encode(&payload.data),
            })
            .collect(),
    };
    serde_json::to_string(&json).unwrap_or_else(|_| "{\"payloads\":[]}".to_owned())
}

/// A codec server serving in the background; stops when dropped.
#[derive(Debug)]
pub struct RunningCodecServer {
    address: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl RunningCodecServer {
    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Its URL, for the UI's codec endpoint setting and the CLI's `--codec-endpoint`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Stops serving.
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for RunningCodecServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::encode;

    #[test]
    fn payloads_round_trip_through_the_json_body() {
        let payloads = vec![
            encode("secret").expect("encode"),
            encode(&()).expect("encode"),
        ];
        let body = render(&payloads);
        assert!(body.contains(r#""encoding":"anNvbi9wbGFpbg==""#), "{body}");
        assert_eq!(parse(body.as_bytes()).expect("parse"), payloads);
    }

    #[test]
    fn a_malformed_body_says_what_was_expected() {
        let error = parse(b"[1, 2]").expect_err("not an object");
        assert!(error.contains("\"payloads\""), "{error}");
        let error = parse(br#"{"payloads": [{"data": "not base64!"}]}"#).expect_err("bad data");
        assert!(error.contains("not base64"), "{error}");
    }
}
