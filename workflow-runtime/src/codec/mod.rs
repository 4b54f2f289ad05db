//! Payload codecs: a user-supplied transformation (encryption, compression) of every payload on
//! its way to the server and back, applied by the client and by its workers alike.
//!
//! A codec works on whole payload lists: the arguments of one call, one result, the fields of
//! one memo. It runs after the values were converted to payloads (`json/plain`...) and before
//! they leave the process, and in reverse on the way in, so the server, its database and its
//! web UI see only what the codec wrote.
//!
//! What the codec sees: workflow and activity arguments and results, signal, query and update
//! arguments and results, memo fields, heartbeat details, failure details, and the message and
//! stack trace that [`Worker::encode_failure_attributes`](crate::Worker::encode_failure_attributes)
//! moves into a failure's encoded attributes. What it never sees, as in the Python SDK: search
//! attributes (the server indexes them) and headers (interceptors' context, such as the tracing
//! header other SDKs read without a codec).
//!
//! With the `codec-server` feature, [`CodecServer`] serves a codec over HTTP to the Temporal
//! web UI and CLI, so they show decoded values.

#[cfg(feature = "codec-server")]
mod server;

use std::{future::Future, sync::Arc};

use futures::future::BoxFuture;
use temporalio_common::{
    data_converters::PayloadConversionError,
    payload_visitor::{AsyncPayloadVisitor, PayloadField, PayloadFieldData, PayloadVisitable},
};

use crate::{caught_panic::reported_once, payload::Payload};

#[cfg(feature = "codec-server")]
pub use server::{CodecRequest, CodecServer, RunningCodecServer};

/// Transforms payload lists on their way to the server ([`encode`](Self::encode)) and back
/// ([`decode`](Self::decode)). `decode(encode(p))` must give back `p`, and `decode` must pass
/// through unchanged the payloads it did not encode (written before the codec was installed,
/// or by a client without it), which it can tell by their metadata.
///
/// Given to [`ClientOptions::payload_codec`](crate::ClientOptions::payload_codec), it applies to
/// the client's calls and to every worker made from the client; the
/// [`Replayer`](crate::replay::Replayer) takes one too, to read histories written with it.
///
/// ```
/// use workflow_runtime::{
///     codec::{self, CodecError, PayloadCodec},
///     payload::Payload,
/// };
///
/// /// Reverses the bytes of every payload: a stand-in for real encryption.
/// struct Reversing;
///
/// impl PayloadCodec for Reversing {
///     async fn encode(&self, payloads: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
///         Ok(payloads
///             .into_iter()
///             .map(|payload| {
///                 let mut data = codec::to_bytes(&payload);
///                 data.reverse();
///                 let mut encoded = Payload::default();
///                 encoded.metadata.insert("encoding".into(), b"binary/reversed".to_vec());
///                 encoded.data = data;
///                 encoded
///             })
///             .collect())
///     }
///
///     async fn decode(&self, payloads: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
///         payloads
///             .into_iter()
///             .map(|payload| {
///                 if payload.metadata.get("encoding").map(Vec::as_slice) != Some(b"binary/reversed") {
///                     return Ok(payload);
///                 }
///                 let mut data = payload.data;
///                 data.reverse();
///                 codec::from_bytes(&data)
///             })
///             .collect()
///     }
/// }
/// ```
pub trait PayloadCodec: Send + Sync + 'static {
    /// Encodes payloads before they leave the process. The list may come back with a different
    /// length only if [`decode`](Self::decode) restores the original one.
    fn encode(
        &self,
        payloads: Vec<Payload>,
    ) -> impl Future<Output = Result<Vec<Payload>, CodecError>> + Send;

    /// Decodes payloads received from the server; passes through those it did not encode.
    fn decode(
        &self,
        payloads: Vec<Payload>,
    ) -> impl Future<Output = Result<Vec<Payload>, CodecError>> + Send;
}

/// A payload as bytes (its protobuf encoding), for a codec that encrypts or compresses the
/// whole payload, metadata included, and stores it as the data of a new one, as the other SDKs'
/// encryption samples do.
pub fn to_bytes(payload: &Payload) -> Vec<u8> {
    prost::Message::encode_to_vec(payload)
}

/// The payload [`to_bytes`] wrote.
pub fn from_bytes(bytes: &[u8]) -> Result<Payload, CodecError> {
    <Payload as prost::Message>::decode(bytes)
        .map_err(|e| CodecError::caused_by("the decoded bytes are not a payload", e))
}

/// A codec could not encode or decode payloads: a missing key, corrupt ciphertext, an
/// unreachable key service. It keeps what went wrong underneath as its
/// [`source`](std::error::Error::source).
#[derive(Debug, Clone)]
pub struct CodecError {
    message: String,
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl CodecError {
    /// An error with no underlying cause.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            source: None,
        }
    }

    /// An error caused by `source` (a cipher's error, a key service's error).
    pub fn caused_by(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self {
            message: message.into(),
            source: Some(Arc::new(source)),
        }
    }
}

impl std::fmt::Display for CodecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CodecError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|source| source as &(dyn std::error::Error + 'static))
    }
}

/// A [`PayloadCodec`] behind a pointer, as clients, workers and the replayer hold it.
trait DynCodec: Send + Sync {
    fn encode(&self, payloads: Vec<Payload>) -> BoxFuture<'_, Result<Vec<Payload>, CodecError>>;
    fn decode(&self, payloads: Vec<Payload>) -> BoxFuture<'_, Result<Vec<Payload>, CodecError>>;
}

impl<C: PayloadCodec> DynCodec for C {
    fn encode(&self, payloads: Vec<Payload>) -> BoxFuture<'_, Result<Vec<Payload>, CodecError>> {
        Box::pin(PayloadCodec::encode(self, payloads))
    }

    fn decode(&self, payloads: Vec<Payload>) -> BoxFuture<'_, Result<Vec<Payload>, CodecError>> {
        Box::pin(PayloadCodec::decode(self, payloads))
    }
}

/// Which way a message's payloads are transformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// On the way to the server.
    Encode,
    /// On the way in from the server.
    Decode,
}

/// The codec a client, its workers or a replayer apply, if any. Cheap to clone; with no codec
/// every operation returns at once without visiting the message.
#[derive(Clone, Default)]
pub(crate) struct Codec(Option<Arc<dyn DynCodec>>);

impl std::fmt::Debug for Codec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Codec(set)"
        } else {
            "Codec(none)"
        })
    }
}

impl Codec {
    pub(crate) fn new(codec: impl PayloadCodec) -> Self {
        Self(Some(Arc::new(codec)))
    }

    pub(crate) fn is_set(&self) -> bool {
        self.0.is_some()
    }

    /// Encodes every payload of `message` but its search attributes and headers.
    pub(crate) async fn encode<M: PayloadVisitable>(
        &self,
        message: &mut M,
    ) -> Result<(), CodecError> {
        self.apply(Direction::Encode, message).await
    }

    /// Decodes every payload of `message` but its search attributes and headers.
    pub(crate) async fn decode<M: PayloadVisitable>(
        &self,
        message: &mut M,
    ) -> Result<(), CodecError> {
        self.apply(Direction::Decode, message).await
    }

    async fn apply<M: PayloadVisitable>(
        &self,
        direction: Direction,
        message: &mut M,
    ) -> Result<(), CodecError> {
        let Some(codec) = &self.0 else {
            return Ok(());
        };
        let mut visitor = Visitor {
            codec: codec.as_ref(),
            direction,
            error: None,
        };
        let visited = message.visit_payloads_mut(&mut visitor).await;
        match (visitor.error, visited) {
            (Some(error), _) => Err(error),
            (None, Ok(())) => Ok(()),
            // Only the visitor fails a visit, and it keeps its error.
            (None, Err(other)) => Err(CodecError::new(other.to_string())),
        }
    }
}

/// Fields the codec never sees: search attributes, which the server must read to index them,
/// and headers, which carry interceptors' context that other SDKs read without a codec.
fn is_skipped(path: &str) -> bool {
    path.contains("SearchAttributes.indexed_fields")
        || path.ends_with("Header.fields")
        || path.ends_with(".headers")
        || path.ends_with(".header_fields")
}

/// Runs the codec over each payload field of a message, keeping the first error.
struct Visitor<'c> {
    codec: &'c dyn DynCodec,
    direction: Direction,
    error: Option<CodecError>,
}

/// Runs `codec` over one payload list. A panic in the codec becomes a [`CodecError`], so a bug
/// in it fails one message, never the worker loop, client call or codec server that called it.
async fn transform(
    codec: &dyn DynCodec,
    direction: Direction,
    payloads: Vec<Payload>,
) -> Result<Vec<Payload>, CodecError> {
    let call = match direction {
        Direction::Encode => codec.encode(payloads),
        Direction::Decode => codec.decode(payloads),
    };
    reported_once(call).await.unwrap_or_else(|panic| {
        Err(CodecError::new(format!(
            "the payload codec panicked: {panic}"
        )))
    })
}

impl Visitor<'_> {
    async fn transform(
        &mut self,
        payloads: Vec<Payload>,
    ) -> Result<Vec<Payload>, PayloadConversionError> {
        let transformed = transform(self.codec, self.direction, payloads).await;
        transformed.map_err(|error| {
            let summary = PayloadConversionError::EncodingError(Box::new(error.clone()));
            self.error = Some(error);
            summary
        })
    }
}

impl AsyncPayloadVisitor for Visitor<'_> {
    fn visit<'a>(
        &'a mut self,
        field: PayloadField<'a>,
    ) -> BoxFuture<'a, Result<(), PayloadConversionError>> {
        Box::pin(async move {
            if is_skipped(field.path) {
                return Ok(());
            }
            match field.data {
                PayloadFieldData::Single(payload) => {
                    let mut transformed = self.transform(vec![std::mem::take(payload)]).await?;
                    if transformed.len() != 1 {
                        let error = CodecError::new(format!(
                            "the payload codec turned one payload into {} (field `{}`); a single payload must stay one",
                            transformed.len(),
                            field.path
                        ));
                        self.error = Some(error.clone());
                        return Err(PayloadConversionError::EncodingError(Box::new(error)));
                    }
                    *payload = transformed.remove(0);
                }
                PayloadFieldData::Repeated(payloads) => {
                    *payloads = self.transform(std::mem::take(payloads)).await?;
                }
                PayloadFieldData::Payloads(payloads) => {
                    payloads.payloads = self
                        .transform(std::mem::take(&mut payloads.payloads))
                        .await?;
                }
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use temporalio_common::protos::{
        coresdk::{
            workflow_activation::{
                InitializeWorkflow, WorkflowActivation, WorkflowActivationJob,
                workflow_activation_job::Variant,
            },
            workflow_commands::{
                CompleteWorkflowExecution, FailWorkflowExecution, WorkflowCommand, workflow_command,
            },
            workflow_completion::{
                Success, WorkflowActivationCompletion, workflow_activation_completion::Status,
            },
        },
        temporal::api::{
            common::v1::{Memo, SearchAttributes},
            failure::v1::Failure,
        },
    };

    use super::*;
    use crate::payload::encode;

    /// Prefixes the data with `enc:` and marks the metadata; strips both on decode.
    struct Marking;

    impl PayloadCodec for Marking {
        async fn encode(&self, payloads: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
            Ok(payloads
                .into_iter()
                .map(|mut payload| {
                    payload.data.splice(0..0, b"enc:".iter().copied());
                    payload.metadata.insert("marked".into(), b"1".to_vec());
                    payload
                })
                .collect())
        }

        async fn decode(&self, payloads: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
            payloads
                .into_iter()
                .map(|mut payload| {
                    if payload.metadata.remove("marked").is_none() {
                        return Ok(payload);
                    }
                    payload
                        .data
                        .strip_prefix(b"enc:")
                        .map(|data| Payload {
                            data: data.to_vec(),
                            ..payload.clone()
                        })
                        .ok_or_else(|| CodecError::new("a marked payload lost its prefix"))
                })
                .collect()
        }
    }

    fn activation() -> WorkflowActivation {
        let payload = encode("secret").expect("encode");
        WorkflowActivation {
            jobs: vec![WorkflowActivationJob {
                variant: Some(Variant::InitializeWorkflow(InitializeWorkflow {
                    arguments: vec![payload.clone()],
                    headers: [("_tracer-data".to_owned(), payload.clone())].into(),
                    memo: Some(Memo {
                        fields: [("note".to_owned(), payload.clone())].into(),
                    }),
                    search_attributes: Some(SearchAttributes {
                        indexed_fields: [("CustomerId".to_owned(), payload)].into(),
                    }),
                    ..Default::default()
                })),
            }],
            ..Default::default()
        }
    }

    fn init(activation: &WorkflowActivation) -> &InitializeWorkflow {
        match &activation.jobs[0].variant {
            Some(Variant::InitializeWorkflow(init)) => init,
            other => panic!("not an init job: {other:?}"),
        }
    }

    #[tokio::test]
    async fn encodes_arguments_and_memo_but_not_headers_or_search_attributes() {
        let codec = Codec::new(Marking);
        let mut message = activation();
        codec.encode(&mut message).await.expect("encode");
        let init = init(&message);
        assert!(init.arguments[0].data.starts_with(b"enc:"));
        assert!(
            init.memo.as_ref().unwrap().fields["note"]
                .data
                .starts_with(b"enc:")
        );
        assert_eq!(init.headers["_tracer-data"].data, b"\"secret\"");
        assert_eq!(
            init.search_attributes.as_ref().unwrap().indexed_fields["CustomerId"].data,
            b"\"secret\""
        );

        codec.decode(&mut message).await.expect("decode");
        assert_eq!(message, activation());
    }

    #[tokio::test]
    async fn encodes_results_and_failure_attributes_of_a_completion() {
        let codec = Codec::new(Marking);
        let failure = Failure {
            message: "Encoded failure".into(),
            encoded_attributes: Some(encode("card 4242 declined").expect("encode")),
            ..Default::default()
        };
        let mut completion = WorkflowActivationCompletion {
            run_id: "run".into(),
            status: Some(Status::Successful(Success {
                commands: vec![
                    WorkflowCommand {
                        variant: Some(workflow_command::Variant::CompleteWorkflowExecution(
                            CompleteWorkflowExecution {
                                result: Some(encode(&42).expect("encode")),
                            },
                        )),
                        ..Default::default()
                    },
                    WorkflowCommand {
                        variant: Some(workflow_command::Variant::FailWorkflowExecution(
                            FailWorkflowExecution {
                                failure: Some(failure),
                            },
                        )),
                        ..Default::default()
                    },
                ],
                ..Default::default()
            })),
            ..Default::default()
        };
        codec.encode(&mut completion).await.expect("encode");
        let Some(Status::Successful(success)) = &completion.status else {
            panic!("not a success");
        };
        let Some(workflow_command::Variant::CompleteWorkflowExecution(done)) =
            &success.commands[0].variant
        else {
            panic!("not a completion");
        };
        assert!(done.result.as_ref().unwrap().data.starts_with(b"enc:"));
        let Some(workflow_command::Variant::FailWorkflowExecution(failed)) =
            &success.commands[1].variant
        else {
            panic!("not a failure");
        };
        let attributes = failed.failure.as_ref().unwrap().encoded_attributes.as_ref();
        assert!(attributes.unwrap().data.starts_with(b"enc:"));
    }

    /// Fails every call, naming the key it lacks.
    struct Keyless;

    impl PayloadCodec for Keyless {
        async fn encode(&self, _: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
            Err(CodecError::caused_by(
                "cannot encrypt",
                std::io::Error::other("key `k2` is not loaded"),
            ))
        }

        async fn decode(&self, _: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
            Err(CodecError::new("cannot decrypt"))
        }
    }

    #[tokio::test]
    async fn the_codec_error_comes_back_with_its_source() {
        let mut message = activation();
        let error = Codec::new(Keyless)
            .encode(&mut message)
            .await
            .expect_err("the codec fails");
        assert_eq!(error.to_string(), "cannot encrypt");
        let source = std::error::Error::source(&error).expect("a source");
        assert_eq!(source.to_string(), "key `k2` is not loaded");
    }

    /// Panics on every call, as a codec with a bug would.
    struct Panicking;

    impl PayloadCodec for Panicking {
        async fn encode(&self, _: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
            panic!("key index out of range")
        }

        async fn decode(&self, _: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
            panic!("key index out of range")
        }
    }

    #[tokio::test]
    async fn a_panicking_codec_is_an_error_of_the_message_not_a_crash() {
        let mut message = activation();
        let error = Codec::new(Panicking)
            .decode(&mut message)
            .await
            .expect_err("the codec panics");
        let shown = error.to_string();
        assert!(
            shown.starts_with("the payload codec panicked: key index out of range (at ")
                && shown.contains("codec/mod.rs"),
            "{shown}"
        );
    }

    #[tokio::test]
    async fn no_codec_leaves_the_message_alone() {
        let mut message = activation();
        Codec::default().encode(&mut message).await.expect("encode");
        assert_eq!(message, activation());
        assert!(!Codec::default().is_set());
    }
}
