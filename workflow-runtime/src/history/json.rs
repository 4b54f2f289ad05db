//! Histories saved as proto JSON: what `temporal workflow show -o json` writes and what the
//! Temporal UI downloads. Field names may be camelCase or the protos' snake_case; enum values
//! may be the current `EVENT_TYPE_WORKFLOW_EXECUTION_STARTED` spelling or the older
//! `WorkflowExecutionStarted` one, which is rewritten before decoding. Unknown fields (written
//! by a newer server) are skipped.

use std::sync::{Arc, OnceLock};

use prost::Message;
use prost_reflect::{
    DescriptorError, DescriptorPool, DeserializeOptions, DynamicMessage, EnumDescriptor, Kind,
    MessageDescriptor, SerializeOptions,
};
use serde_json::Value;
use temporalio_common::protos::temporal::api::history::v1::History;

/// The descriptors of `temporal.api.history.v1` and what it imports, kept by `build.rs`.
const DESCRIPTORS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/history_descriptors.bin"));

const HISTORY: &str = "temporal.api.history.v1.History";

/// Decodes a JSON history: `{"events": [...]}`, or the same wrapped as `{"history": {...}}`
/// (a saved `GetWorkflowExecutionHistory` response).
pub(crate) fn history_from_json(text: &str) -> Result<History, DecodeFailure> {
    let mut value: Value =
        serde_json::from_str(text).map_err(|e| DecodeFailure::caused_by("not valid JSON", e))?;
    if let Some(inner) = value.get_mut("history")
        && inner.get("events").is_some()
    {
        value = inner.take();
    }
    if !value.get("events").is_some_and(Value::is_array) {
        return Err(DecodeFailure {
            reason: "the JSON has no `events` array",
            source: None,
        });
    }
    let descriptor = history_descriptor()?;
    normalize_enums(&mut value, &descriptor);
    let message = DynamicMessage::deserialize_with_options(
        descriptor,
        value,
        &DeserializeOptions::new().deny_unknown_fields(false),
    )
    .map_err(|e| DecodeFailure::caused_by("not a Temporal history", e))?;
    History::decode(message.encode_to_vec().as_slice())
        .map_err(|e| DecodeFailure::caused_by("not a Temporal history", e))
}

/// Encodes a history as the CLI writes it: camelCase fields, enum names, 64-bit integers as
/// strings, defaults left out.
pub(crate) fn history_to_json(history: &History) -> Result<String, DecodeFailure> {
    let message = DynamicMessage::decode(history_descriptor()?, history.encode_to_vec().as_slice())
        .map_err(|e| DecodeFailure::caused_by("cannot re-read the history", e))?;
    let mut out = serde_json::Serializer::pretty(Vec::new());
    message
        .serialize_with_options(&mut out, &SerializeOptions::new())
        .map_err(|e| DecodeFailure::caused_by("cannot write the history as JSON", e))?;
    String::from_utf8(out.into_inner())
        .map_err(|e| DecodeFailure::caused_by("the history's JSON is not UTF-8", e))
}

/// Why a history did not convert: what was wrong, and the error of the crate that found it.
#[derive(Debug)]
pub(crate) struct DecodeFailure {
    pub(crate) reason: &'static str,
    pub(crate) source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl DecodeFailure {
    pub(crate) fn caused_by(
        reason: &'static str,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self {
            reason,
            source: Some(Box::new(source)),
        }
    }
}

fn history_descriptor() -> Result<MessageDescriptor, DecodeFailure> {
    static POOL: OnceLock<Result<DescriptorPool, Arc<DescriptorError>>> = OnceLock::new();
    let pool = POOL
        .get_or_init(|| DescriptorPool::decode(DESCRIPTORS).map_err(Arc::new))
        .as_ref()
        .map_err(|e| {
            DecodeFailure::caused_by("the bundled history descriptors are unreadable", e.clone())
        })?;
    pool.get_message_by_name(HISTORY).ok_or(DecodeFailure {
        reason: "the bundled descriptors lack temporal.api.history.v1.History",
        source: None,
    })
}

/// Rewrites the older enum spelling (`WorkflowExecutionStarted`, `StartToClose`) of every enum
/// field under `value` into the current one (`EVENT_TYPE_WORKFLOW_EXECUTION_STARTED`,
/// `TIMEOUT_TYPE_START_TO_CLOSE`), guided by the message's descriptor.
fn normalize_enums(value: &mut Value, message: &MessageDescriptor) {
    let Value::Object(fields) = value else {
        return;
    };
    for (name, field_value) in fields.iter_mut() {
        let Some(field) = message
            .get_field_by_json_name(name)
            .or_else(|| message.get_field_by_name(name))
        else {
            continue;
        };
        if field.is_map() {
            let Kind::Message(entry) = field.kind() else {
                continue;
            };
            let value_kind = entry.map_entry_value_field().kind();
            if let Value::Object(entries) = field_value {
                for entry_value in entries.values_mut() {
                    normalize_kind(entry_value, &value_kind);
                }
            }
        } else if let Value::Array(items) = field_value {
            for item in items {
                normalize_kind(item, &field.kind());
            }
        } else {
            normalize_kind(field_value, &field.kind());
        }
    }
}

fn normalize_kind(value: &mut Value, kind: &Kind) {
    match kind {
        Kind::Enum(enumeration) => {
            if let Value::String(name) = value
                && let Some(current) = current_spelling(enumeration, name)
            {
                *name = current;
            }
        }
        // Well-known types (durations, timestamps, structs) have their own JSON forms.
        Kind::Message(message) if !message.full_name().starts_with("google.protobuf.") => {
            normalize_enums(value, message);
        }
        _ => {}
    }
}

/// The current name of an enum value written in the older spelling, if it is one.
fn current_spelling(enumeration: &EnumDescriptor, name: &str) -> Option<String> {
    if enumeration.get_value_by_name(name).is_some() {
        return None;
    }
    let candidate = format!("{}{}", enum_prefix(enumeration), screaming_snake(name));
    enumeration.get_value_by_name(&candidate).map(|_| candidate)
}

/// The prefix all of an enum's value names share, up to an underscore: `EVENT_TYPE_`.
fn enum_prefix(enumeration: &EnumDescriptor) -> String {
    let mut names = enumeration.values().map(|v| v.name().to_owned());
    let Some(first) = names.next() else {
        return String::new();
    };
    let common = names.fold(first, |common, name| {
        common
            .chars()
            .zip(name.chars())
            .take_while(|(a, b)| a == b)
            .map(|(a, _)| a)
            .collect()
    });
    match common.rfind('_') {
        Some(end) => common[..=end].to_owned(),
        None => String::new(),
    }
}

/// `WorkflowExecutionStarted` → `WORKFLOW_EXECUTION_STARTED`; a run of capitals stays one word.
fn screaming_snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 8);
    let mut previous_upper = true;
    for c in name.chars() {
        if c.is_ascii_uppercase() && !previous_upper {
            out.push('_');
        }
        previous_upper = c.is_ascii_uppercase();
        out.push(c.to_ascii_uppercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use temporalio_common::protos::temporal::api::{
        enums::v1::{EventType, TaskQueueKind, TimeoutType},
        failure::v1::failure::FailureInfo,
        history::v1::history_event::Attributes,
    };

    use super::*;

    const CURRENT: &str = r#"{"events": [
        {"eventId": "1", "eventTime": "2026-11-26T01:22:32.249567779Z",
         "eventType": "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED", "taskId": "1048587",
         "workflowExecutionStartedEventAttributes": {
            "workflowType": {"name": "OrderWorkflow"},
            "taskQueue": {"name": "orders", "kind": "TASK_QUEUE_KIND_NORMAL"},
            "input": {"payloads": [{"metadata": {"encoding": "anNvbi9wbGFpbg=="},
                                    "data": "eyJhIjoxfQ=="}]},
            "workflowTaskTimeout": "10s", "attempt": 1,
            "aFieldFromANewerServer": {"x": 1}}}]}"#;

    const OLDER: &str = r#"{"events": [
        {"eventId": "1", "eventType": "WorkflowExecutionStarted",
         "workflowExecutionStartedEventAttributes": {
            "workflowType": {"name": "OrderWorkflow"},
            "taskQueue": {"name": "orders", "kind": "Normal"}}},
        {"event_id": "2", "event_type": "ActivityTaskTimedOut",
         "activity_task_timed_out_event_attributes": {
            "failure": {"message": "timed out",
                        "timeoutFailureInfo": {"timeoutType": "StartToClose"}},
            "retryState": "Timeout"}}]}"#;

    #[test]
    fn the_current_cli_spelling_decodes_with_payloads_and_durations() {
        let history = history_from_json(CURRENT).expect("decodes");
        let event = &history.events[0];
        assert_eq!(event.event_id, 1);
        assert_eq!(event.event_type(), EventType::WorkflowExecutionStarted);
        let Some(Attributes::WorkflowExecutionStartedEventAttributes(started)) = &event.attributes
        else {
            panic!("started attributes: {event:?}");
        };
        assert_eq!(
            started.workflow_type.as_ref().map(|t| t.name.as_str()),
            Some("OrderWorkflow")
        );
        let input = &started.input.as_ref().expect("input").payloads[0];
        assert_eq!(input.data, br#"{"a":1}"#);
        assert_eq!(input.metadata["encoding"], b"json/plain");
        assert_eq!(
            started.workflow_task_timeout.as_ref().map(|d| d.seconds),
            Some(10)
        );
    }

    #[test]
    fn the_older_enum_spelling_and_snake_case_names_decode() {
        let history = history_from_json(OLDER).expect("decodes");
        assert_eq!(
            history.events[0].event_type(),
            EventType::WorkflowExecutionStarted
        );
        let Some(Attributes::WorkflowExecutionStartedEventAttributes(started)) =
            &history.events[0].attributes
        else {
            panic!("started attributes");
        };
        assert_eq!(
            started.task_queue.as_ref().map(|q| q.kind()),
            Some(TaskQueueKind::Normal)
        );
        assert_eq!(
            history.events[1].event_type(),
            EventType::ActivityTaskTimedOut
        );
        let Some(Attributes::ActivityTaskTimedOutEventAttributes(timed_out)) =
            &history.events[1].attributes
        else {
            panic!("timed-out attributes");
        };
        let failure = timed_out.failure.as_ref().expect("failure");
        let Some(FailureInfo::TimeoutFailureInfo(info)) = &failure.failure_info else {
            panic!("timeout info");
        };
        assert_eq!(info.timeout_type(), TimeoutType::StartToClose);
    }

    #[test]
    fn a_history_written_as_json_reads_back_the_same() {
        let history = history_from_json(CURRENT).expect("decodes");
        let json = history_to_json(&history).expect("encodes");
        assert!(
            json.contains(r#""eventType": "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED""#),
            "{json}"
        );
        assert!(json.contains(r#""eventId": "1""#), "{json}");
        assert_eq!(history_from_json(&json).expect("decodes again"), history);
    }

    #[test]
    fn a_saved_history_response_is_unwrapped() {
        let wrapped = format!(r#"{{"history": {CURRENT}, "nextPageToken": ""}}"#);
        assert_eq!(
            history_from_json(&wrapped).expect("decodes").events.len(),
            1
        );
    }

    #[test]
    fn what_is_not_a_history_says_why() {
        assert!(
            history_from_json("[1, 2")
                .unwrap_err()
                .reason
                .contains("not valid JSON")
        );
        assert!(
            history_from_json(r#"{"workflows": []}"#)
                .unwrap_err()
                .reason
                .contains("no `events`")
        );
        let wrong = r#"{"events": [{"eventId": "one"}]}"#;
        assert!(
            history_from_json(wrong)
                .unwrap_err()
                .reason
                .contains("not a Temporal history")
        );
    }

    #[test]
    fn pascal_case_becomes_screaming_snake_case() {
        assert_eq!(
            screaming_snake("WorkflowExecutionStarted"),
            "WORKFLOW_EXECUTION_STARTED"
        );
        assert_eq!(screaming_snake("StartToClose"), "START_TO_CLOSE");
        assert_eq!(
            screaming_snake("NonDeterministicError"),
            "NON_DETERMINISTIC_ERROR"
        );
    }
}
