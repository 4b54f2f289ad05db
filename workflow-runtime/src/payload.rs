//! Payload encoding with Temporal's standard converters, so other SDKs read what we write.
//!
//! The encoding follows the value's type, as the default data converters of the Python, Go,
//! TypeScript and Java SDKs do:
//!
//! | value | encoding |
//! |---|---|
//! | `()`, `None` (anything that serializes to JSON `null`) | `binary/null` |
//! | a byte buffer: `Vec<u8>`, `[u8]`, `Box<[u8]>`, `bytes::Bytes`, `serde_bytes::ByteBuf`, anything whose `Serialize` calls `serialize_bytes` | `binary/plain` |
//! | [`Proto<M>`] around a prost message | `json/protobuf`, with `messageType` |
//! | [`ProtoBinary<M>`] around a prost message | `binary/protobuf`, with `messageType` |
//! | anything else | `json/plain` (serde JSON) |
//!
//! Decoding reads the payload's encoding: `binary/plain` decodes into a byte buffer (and a
//! byte buffer still decodes from the JSON array of numbers that older versions wrote), a
//! protobuf payload into [`Proto`]/[`ProtoBinary`] (or, for `json/protobuf`, into any serde type
//! that reads the message's JSON form).

pub(crate) mod arguments;
mod binary;
mod non_json;
mod proto;
pub(crate) mod size;

use std::{collections::HashMap, sync::Arc};

use serde::{Serialize, de::DeserializeOwned};

pub use temporalio_common::protos::temporal::api::common::v1::Payload;

pub use self::proto::{Proto, ProtoBinary};
use self::{
    binary::BinaryDeserializer,
    non_json::{Found, find_non_json},
    proto::{BINARY_PROTOBUF, JSON_PROTOBUF, ProtoForm, ProtoPayload},
};

const ENCODING_KEY: &str = "encoding";
const MESSAGE_TYPE_KEY: &str = "messageType";
const JSON_PLAIN: &[u8] = b"json/plain";
const BINARY_NULL: &[u8] = b"binary/null";
const BINARY_PLAIN: &[u8] = b"binary/plain";

/// A value could not be converted to or from a Temporal payload.
///
/// It says what was converted (the Rust type, the payload's encoding, the argument), and keeps
/// what went wrong underneath (serde's error, or the payload error of one argument) as its
/// [`source`](std::error::Error::source), so a report prints each once:
/// ``cannot decode payload (json/plain) as `order::OrderInput` `` caused by
/// ``missing field `order_id` ``. [`message`](Self::message) has the whole description in
/// one line, as other languages see it in a failure.
#[derive(Debug, Clone)]
pub struct PayloadError {
    context: String,
    message: String,
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl PayloadError {
    /// An error with no underlying cause.
    pub(crate) fn new(context: impl Into<String>) -> Self {
        let context = context.into();
        Self {
            message: context.clone(),
            context,
            source: None,
        }
    }

    /// An error caused by `source` (serde's error, or another payload error).
    pub(crate) fn caused_by(
        context: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::with_source(context.into(), Arc::new(source))
    }

    fn with_source(context: String, source: Arc<dyn std::error::Error + Send + Sync>) -> Self {
        Self {
            message: format!("{context}: {}", chain_text(&*source)),
            context,
            source: Some(source),
        }
    }

    /// The full description of the problem, its causes included.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl std::fmt::Display for PayloadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.context)
    }
}

impl std::error::Error for PayloadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|source| source as &(dyn std::error::Error + 'static))
    }
}

/// A message from a dependency that only gives text (a protobuf encoder's description), kept
/// as an error so it can be a [`PayloadError`]'s source.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
struct EncoderMessage(String);

/// Encodes a value as one payload, in the encoding its type calls for (see the [module
/// docs](self)): `binary/null` for values that serialize to JSON `null` (`()`, `None`),
/// `binary/plain` for byte buffers, `json/protobuf`/`binary/protobuf` for [`Proto`] and
/// [`ProtoBinary`], `json/plain` otherwise.
///
/// ```
/// use workflow_runtime::payload::{decode, encode};
/// let payload = encode(&vec![1, 2, 3]).unwrap();
/// assert_eq!(payload.metadata["encoding"], b"json/plain");
/// assert_eq!(payload.data, b"[1,2,3]");
/// assert_eq!(decode::<Vec<u32>>(&payload).unwrap(), vec![1, 2, 3]);
///
/// let payload = encode(&vec![1_u8, 2, 3]).unwrap();
/// assert_eq!(payload.metadata["encoding"], b"binary/plain");
/// assert_eq!(payload.data, [1, 2, 3]);
/// assert_eq!(decode::<Vec<u8>>(&payload).unwrap(), vec![1, 2, 3]);
/// ```
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Payload, PayloadError> {
    match find_non_json(value) {
        Ok(None) => {}
        Ok(Some(Found::Bytes(data))) => return Ok(payload_with_encoding(BINARY_PLAIN, data)),
        Ok(Some(Found::Proto {
            form,
            message_type,
            data,
        })) => return Ok(protobuf(form.encoding(), &message_type, data)),
        Err(message) => {
            return Err(PayloadError::caused_by(
                format!("cannot encode `{}`", std::any::type_name::<T>()),
                EncoderMessage(message),
            ));
        }
    }
    let data = serde_json::to_vec(value).map_err(|e| {
        PayloadError::caused_by(
            format!(
                "cannot encode `{}` as json/plain",
                std::any::type_name::<T>()
            ),
            e,
        )
    })?;
    if data == b"null" {
        return Ok(payload_with_encoding(BINARY_NULL, Vec::new()));
    }
    Ok(payload_with_encoding(JSON_PLAIN, data))
}

/// A protobuf message in its JSON form (`json/protobuf`), as the SDKs encode the answers of
/// built-in queries such as `__temporal_workflow_metadata`.
pub(crate) fn json_protobuf(message_type: &str, json: &serde_json::Value) -> Payload {
    protobuf(JSON_PROTOBUF, message_type, json.to_string().into_bytes())
}

/// A protobuf payload: `encoding`, the message's full name as `messageType`, and `data`.
fn protobuf(encoding: &[u8], message_type: &str, data: Vec<u8>) -> Payload {
    let mut payload = payload_with_encoding(encoding, data);
    payload.metadata.insert(
        MESSAGE_TYPE_KEY.to_owned(),
        message_type.as_bytes().to_vec(),
    );
    payload
}

fn payload_with_encoding(encoding: &[u8], data: Vec<u8>) -> Payload {
    Payload {
        metadata: HashMap::from([(ENCODING_KEY.to_owned(), encoding.to_vec())]),
        data,
        ..Default::default()
    }
}

/// Decodes one payload into `T`, reading the payload's encoding (see the [module docs](self));
/// the error names `T`, the encoding and what went wrong.
pub fn decode<T: DeserializeOwned>(payload: &Payload) -> Result<T, PayloadError> {
    let encoding = payload
        .metadata
        .get(ENCODING_KEY)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let type_name = std::any::type_name::<T>();
    let from_protobuf = |form| {
        let message_type = payload
            .metadata
            .get(MESSAGE_TYPE_KEY)
            .and_then(|t| std::str::from_utf8(t).ok());
        T::deserialize(ProtoPayload {
            data: &payload.data,
            form,
            message_type,
        })
    };
    let context = || {
        format!(
            "cannot decode payload ({}) as `{type_name}`",
            String::from_utf8_lossy(encoding)
        )
    };
    let caused_by = |source: Arc<dyn std::error::Error + Send + Sync>| {
        PayloadError::with_source(context(), source)
    };
    match encoding {
        JSON_PLAIN => serde_json::from_slice(&payload.data).map_err(|e| caused_by(Arc::new(e))),
        BINARY_NULL => serde_json::from_slice(b"null").map_err(|e| caused_by(Arc::new(e))),
        BINARY_PLAIN => {
            T::deserialize(BinaryDeserializer(&payload.data)).map_err(|e| caused_by(Arc::new(e)))
        }
        JSON_PROTOBUF => from_protobuf(ProtoForm::Json).map_err(|e| caused_by(Arc::new(e))),
        BINARY_PROTOBUF => from_protobuf(ProtoForm::Binary).map_err(|e| caused_by(Arc::new(e))),
        other => Err(PayloadError::new(format!(
            "cannot decode payload as `{type_name}`: unsupported encoding `{}` \
             (supported: json/plain, binary/null, binary/plain, json/protobuf, \
             binary/protobuf)",
            String::from_utf8_lossy(other)
        ))),
    }
}

/// Decodes an optional single result payload (a missing payload is `null`).
pub(crate) fn decode_result<T: DeserializeOwned>(
    payload: Option<&Payload>,
) -> Result<T, PayloadError> {
    match payload {
        Some(p) => decode(p),
        // No payload is `null`, so `()` and `Option` results need none.
        None => serde_json::from_slice(b"null").map_err(|_| {
            PayloadError::new(format!(
                "no result was sent, but a result of type `{}` was expected",
                std::any::type_name::<T>()
            ))
        }),
    }
}

/// An error and its sources in one line, `outer: inner: innermost`: the message a failure
/// carries to other languages, which see no Rust source chain. A cause whose words the line
/// already holds (an error that prints its source) is not repeated.
pub(crate) fn chain_text(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let words = cause.to_string();
        if !text.contains(&words) {
            text.push_str(": ");
            text.push_str(&words);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_and_none_travel_as_binary_null() {
        let p = encode(&()).unwrap();
        assert_eq!(p.metadata[ENCODING_KEY], BINARY_NULL);
        assert!(p.data.is_empty());
        decode::<()>(&p).unwrap();
        assert_eq!(decode::<Option<u8>>(&p).unwrap(), None);
    }

    #[test]
    fn decode_error_names_type_and_serde_error() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Order {
            id: u32,
        }
        let p = encode(&"not an order").unwrap();
        let err = decode::<Order>(&p).unwrap_err().message().to_owned();
        assert!(err.contains("Order"), "{err}");
        assert!(err.contains("invalid type"), "{err}");
    }

    #[test]
    fn a_missing_result_is_null() {
        assert_eq!(decode_result::<Option<u32>>(None).unwrap(), None);
        let err = decode_result::<u32>(None).unwrap_err();
        assert!(err.message().contains("`u32`"), "{err}");
    }

    #[test]
    fn unknown_encoding_is_refused() {
        let p = payload_with_encoding(b"binary/encrypted", vec![1]);
        let err = decode::<u32>(&p).unwrap_err().message().to_owned();
        assert!(
            err.contains("unsupported encoding `binary/encrypted`"),
            "{err}"
        );
    }

    fn encoding(p: &Payload) -> &str {
        std::str::from_utf8(&p.metadata[ENCODING_KEY]).unwrap()
    }

    #[test]
    fn byte_buffers_travel_as_binary_plain() {
        let expected = vec![0_u8, 1, 254, 255];
        let payloads = [
            encode(&expected).unwrap(),
            encode(expected.as_slice()).unwrap(),
            encode(&expected.as_slice()).unwrap(),
            encode(&expected.clone().into_boxed_slice()).unwrap(),
            encode(&Some(expected.clone())).unwrap(),
            encode(&bytes::Bytes::from(expected.clone())).unwrap(),
            encode(&serde_bytes::ByteBuf::from(expected.clone())).unwrap(),
            encode(&Some(serde_bytes::ByteBuf::from(expected.clone()))).unwrap(),
            encode(&std::collections::VecDeque::from(expected.clone())).unwrap(),
            encode(&std::borrow::Cow::Borrowed(expected.as_slice())).unwrap(),
        ];
        for p in &payloads {
            assert_eq!(encoding(p), "binary/plain");
            assert_eq!(p.data, expected);
        }
        // By type: an empty buffer is still bytes.
        let empty = encode(&Vec::<u8>::new()).unwrap();
        assert_eq!(encoding(&empty), "binary/plain");
        assert!(empty.data.is_empty());
        assert_eq!(encoding(&encode(&None::<Vec<u8>>).unwrap()), "binary/null");
    }

    #[test]
    fn other_sequences_and_nested_bytes_stay_json() {
        for (p, json) in [
            (encode(&Vec::<u32>::new()).unwrap(), "[]"),
            (encode(&vec![1_u16, 2]).unwrap(), "[1,2]"),
            (
                encode(&std::collections::BTreeSet::from([1_u8, 2])).unwrap(),
                "[1,2]",
            ),
            (encode(&[1_u8, 2]).unwrap(), "[1,2]"),
            (
                encode(&serde_json::json!({ "data": [1, 2] })).unwrap(),
                r#"{"data":[1,2]}"#,
            ),
        ] {
            assert_eq!(encoding(&p), "json/plain");
            assert_eq!(p.data, json.as_bytes());
        }
    }

    #[test]
    fn binary_plain_decodes_into_byte_buffers() {
        let p = payload_with_encoding(BINARY_PLAIN, vec![7, 8, 9]);
        assert_eq!(decode::<Vec<u8>>(&p).unwrap(), [7, 8, 9]);
        assert_eq!(decode::<Option<Vec<u8>>>(&p).unwrap(), Some(vec![7, 8, 9]));
        assert_eq!(decode::<bytes::Bytes>(&p).unwrap(), [7, 8, 9].as_slice());
        assert_eq!(
            decode::<serde_bytes::ByteBuf>(&p).unwrap().into_vec(),
            [7, 8, 9]
        );
        assert_eq!(
            decode::<std::collections::VecDeque<u8>>(&p).unwrap(),
            [7, 8, 9]
        );
        let err = decode::<u32>(&p).unwrap_err().message().to_owned();
        assert!(
            err.contains("cannot decode payload (binary/plain) as `u32`: invalid type: byte array"),
            "{err}"
        );
    }

    #[test]
    fn byte_buffers_still_decode_from_json_arrays_of_older_versions() {
        let p = payload_with_encoding(JSON_PLAIN, b"[3,2,1]".to_vec());
        assert_eq!(decode::<Vec<u8>>(&p).unwrap(), [3, 2, 1]);
        assert_eq!(
            decode::<serde_bytes::ByteBuf>(&p).unwrap().into_vec(),
            [3, 2, 1]
        );
    }

    type Execution = crate::protos::temporal::api::common::v1::WorkflowExecution;

    fn execution() -> Execution {
        Execution {
            workflow_id: "order-7".to_owned(),
            run_id: "run-1".to_owned(),
        }
    }

    #[test]
    fn proto_travels_as_json_protobuf_with_its_message_type() {
        let p = encode(&Proto(execution())).unwrap();
        assert_eq!(encoding(&p), "json/protobuf");
        assert_eq!(
            p.metadata[MESSAGE_TYPE_KEY],
            b"temporal.api.common.v1.WorkflowExecution"
        );
        // The proto3 JSON form, with lowerCamelCase names.
        let json: serde_json::Value = serde_json::from_slice(&p.data).unwrap();
        assert_eq!(
            json,
            serde_json::json!({ "workflowId": "order-7", "runId": "run-1" })
        );
        assert_eq!(decode::<Proto<Execution>>(&p).unwrap(), Proto(execution()));
        // A plain serde type can read the JSON form too.
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Plain {
            workflow_id: String,
        }
        assert_eq!(decode::<Plain>(&p).unwrap().workflow_id, "order-7");
        // `Some` of a message is the message.
        let some = encode(&Some(Proto(execution()))).unwrap();
        assert_eq!(encoding(&some), "json/protobuf");
    }

    #[test]
    fn proto_binary_travels_as_binary_protobuf_with_its_message_type() {
        let p = encode(&ProtoBinary(execution())).unwrap();
        assert_eq!(encoding(&p), "binary/protobuf");
        assert_eq!(
            p.metadata[MESSAGE_TYPE_KEY],
            b"temporal.api.common.v1.WorkflowExecution"
        );
        assert_eq!(p.data, prost::Message::encode_to_vec(&execution()));
        assert_eq!(
            decode::<ProtoBinary<Execution>>(&p).unwrap(),
            ProtoBinary(execution())
        );
        // `Proto` reads either form.
        assert_eq!(decode::<Proto<Execution>>(&p).unwrap(), Proto(execution()));
        // Only a protobuf wrapper reads the binary form.
        let err = decode::<serde_json::Value>(&p)
            .unwrap_err()
            .message()
            .to_owned();
        assert!(
            err.contains("decodes only into `Proto<M>` or `ProtoBinary<M>`"),
            "{err}"
        );
    }

    #[test]
    fn a_protobuf_payload_of_another_message_type_is_refused() {
        let p = encode(&Proto(prost_wkt_types::Duration {
            seconds: 3,
            nanos: 0,
        }))
        .unwrap();
        let err = decode::<Proto<prost_wkt_types::Timestamp>>(&p)
            .unwrap_err()
            .message()
            .to_owned();
        assert!(
            err.contains(
                "the payload holds a `google.protobuf.Duration` message, not a `google.protobuf.Timestamp`"
            ),
            "{err}"
        );
        let binary = encode(&ProtoBinary(execution())).unwrap();
        let err = decode::<ProtoBinary<prost_wkt_types::Timestamp>>(&binary)
            .unwrap_err()
            .message()
            .to_owned();
        assert!(err.contains("not a `google.protobuf.Timestamp`"), "{err}");
    }

    #[test]
    fn a_protobuf_wrapper_inside_a_struct_is_the_message_s_json() {
        #[derive(serde::Serialize, serde::Deserialize)]
        struct Envelope {
            execution: Proto<Execution>,
            raw: ProtoBinary<prost_wkt_types::Duration>,
        }
        let envelope = Envelope {
            execution: Proto(execution()),
            raw: ProtoBinary(prost_wkt_types::Duration {
                seconds: 1,
                nanos: 0,
            }),
        };
        let p = encode(&envelope).unwrap();
        assert_eq!(encoding(&p), "json/plain");
        let json: serde_json::Value = serde_json::from_slice(&p.data).unwrap();
        assert_eq!(json["execution"]["workflowId"], "order-7");
        let back = decode::<Envelope>(&p).unwrap();
        assert_eq!(back.execution, Proto(execution()));
        assert_eq!(back.raw.0.seconds, 1);
    }
}
