//! Payload encoding with Temporal's standard converters, so other SDKs read what we write.
//!
//! Values travel as `json/plain` (serde JSON) and `()`/`None` as `binary/null`, exactly as the
//! default data converters of the Python, Go, TypeScript and Java SDKs do.

use std::collections::HashMap;

use serde::{Serialize, de::DeserializeOwned};

pub use temporalio_common::protos::temporal::api::common::v1::Payload;

const ENCODING_KEY: &str = "encoding";
const JSON_PLAIN: &[u8] = b"json/plain";
const BINARY_NULL: &[u8] = b"binary/null";

/// A value could not be converted to or from a Temporal payload.
///
/// The message names the Rust type, the payload's encoding and what went wrong, for example
/// ``cannot decode payload (json/plain) as `order::OrderInput`: missing field `order_id` ``.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct PayloadError {
    message: String,
}

impl PayloadError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// The full description of the problem.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Encodes a value as one payload: `binary/null` for values that serialize to JSON `null`
/// (`()`, `None`), `json/plain` otherwise.
///
/// ```
/// use workflow_runtime::payload::{decode, encode};
/// let payload = encode(&vec![1, 2, 3]).unwrap();
/// assert_eq!(payload.data, b"[1,2,3]");
/// assert_eq!(decode::<Vec<u32>>(&payload).unwrap(), vec![1, 2, 3]);
/// ```
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Payload, PayloadError> {
    let data = serde_json::to_vec(value).map_err(|e| {
        PayloadError::new(format!(
            "cannot encode `{}` as json/plain: {e}",
            std::any::type_name::<T>()
        ))
    })?;
    if data == b"null" {
        return Ok(payload_with_encoding(BINARY_NULL, Vec::new()));
    }
    Ok(payload_with_encoding(JSON_PLAIN, data))
}

/// A protobuf message in its JSON form (`json/protobuf`), as the SDKs encode the answers of
/// built-in queries such as `__temporal_workflow_metadata`.
pub(crate) fn json_protobuf(message_type: &str, json: &serde_json::Value) -> Payload {
    let mut payload = payload_with_encoding(b"json/protobuf", json.to_string().into_bytes());
    payload
        .metadata
        .insert("messageType".to_owned(), message_type.as_bytes().to_vec());
    payload
}

fn payload_with_encoding(encoding: &[u8], data: Vec<u8>) -> Payload {
    Payload {
        metadata: HashMap::from([(ENCODING_KEY.to_owned(), encoding.to_vec())]),
        data,
        ..Default::default()
    }
}

/// Decodes one payload into `T`; the error names `T`, the encoding and the serde error.
pub fn decode<T: DeserializeOwned>(payload: &Payload) -> Result<T, PayloadError> {
    let encoding = payload
        .metadata
        .get(ENCODING_KEY)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let type_name = std::any::type_name::<T>();
    let result = match encoding {
        JSON_PLAIN => serde_json::from_slice(&payload.data),
        BINARY_NULL => serde_json::from_slice(b"null"),
        other => {
            return Err(PayloadError::new(format!(
                "cannot decode payload as `{type_name}`: unsupported encoding `{}` \
                 (supported: json/plain, binary/null)",
                String::from_utf8_lossy(other)
            )));
        }
    };
    result.map_err(|e| {
        PayloadError::new(format!(
            "cannot decode payload ({}) as `{type_name}`: {e}",
            String::from_utf8_lossy(encoding)
        ))
    })
}

/// Decodes the argument at `index` of a call; `what` names the call in the error
/// (for example "workflow `OrderWorkflow`").
///
/// A missing argument decodes as JSON `null`, so `()` and `Option` parameters may be left out
/// by callers in other languages.
pub fn decode_arg<T: DeserializeOwned>(
    payloads: &[Payload],
    index: usize,
    what: &str,
) -> Result<T, PayloadError> {
    match payloads.get(index) {
        Some(payload) => decode(payload)
            .map_err(|e| PayloadError::new(format!("argument {index} of {what}: {e}"))),
        None => serde_json::from_slice(b"null").map_err(|_| {
            PayloadError::new(format!(
                "{what} expects argument {index} of type `{}`, but only {} argument(s) were sent",
                std::any::type_name::<T>(),
                payloads.len()
            ))
        }),
    }
}

/// Fails when a call brought more arguments than its definition declares; `what` names the
/// call in the error (for example "signal `approve` of workflow `Approval`").
///
/// Extra arguments are a mistake of the caller (or a definition that fell behind its callers),
/// so they fail the call, as in the Python SDK, instead of being dropped unnoticed. Fewer
/// arguments are checked one by one by [`decode_arg`], where a missing `()` or `Option` is
/// allowed.
///
/// ```
/// use workflow_runtime::payload::{check_arg_count, encode};
/// let two = [encode(&1).unwrap(), encode(&2).unwrap()];
/// assert!(check_arg_count(&two, 2, "activity `add`").is_ok());
/// let err = check_arg_count(&two, 1, "activity `double`").unwrap_err();
/// assert_eq!(
///     err.message(),
///     "activity `double` declares 1 argument but received 2; \
///      send 1 argument, or declare a parameter for each extra one"
/// );
/// ```
pub fn check_arg_count(
    payloads: &[Payload],
    declared: usize,
    what: &str,
) -> Result<(), PayloadError> {
    if payloads.len() <= declared {
        return Ok(());
    }
    Err(PayloadError::new(format!(
        "{what} declares {} but received {}; send {}, or declare a parameter for each extra one",
        count_arguments(declared),
        payloads.len(),
        count_arguments(declared),
    )))
}

/// "no arguments", "1 argument", "3 arguments".
fn count_arguments(n: usize) -> String {
    match n {
        0 => "no arguments".to_owned(),
        1 => "1 argument".to_owned(),
        n => format!("{n} arguments"),
    }
}

/// Decodes an optional single result payload (a missing payload is `null`).
pub(crate) fn decode_result<T: DeserializeOwned>(
    payload: Option<&Payload>,
) -> Result<T, PayloadError> {
    match payload {
        Some(p) => decode(p),
        None => decode_arg(&[], 0, "the result"),
    }
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
        let err = decode::<Order>(&p).unwrap_err().to_string();
        assert!(err.contains("Order"), "{err}");
        assert!(err.contains("invalid type"), "{err}");
    }

    #[test]
    fn missing_argument_names_the_expected_type() {
        let err = decode_arg::<u32>(&[], 0, "activity `charge`")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("activity `charge` expects argument 0 of type `u32`"),
            "{err}"
        );
        assert_eq!(decode_arg::<Option<u32>>(&[], 0, "x").unwrap(), None);
    }

    #[test]
    fn unknown_encoding_is_refused() {
        let p = payload_with_encoding(b"binary/protobuf", vec![1]);
        let err = decode::<u32>(&p).unwrap_err().to_string();
        assert!(
            err.contains("unsupported encoding `binary/protobuf`"),
            "{err}"
        );
    }
}
