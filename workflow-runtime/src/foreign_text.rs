//! Every place where the runtime reads another crate's wording instead of a typed value.
//!
//! Core, the server and tokio sometimes hand over only text: an eviction carries the debug form
//! of the failure that caused it, a nondeterminism error names the event in the protos'
//! `Display` form, a tokio call outside a tokio runtime is only a panic message, the server
//! tells an unknown update from an unknown workflow only by its message. Each reading lives
//! here, next to a test that builds the text the way the pinned crate builds it, so a release
//! that rewords one fails that test instead of quietly changing an error message.

/// The failure's own message inside core's eviction text for a failed activation.
///
/// Core writes `format!("Workflow activation completion failed: {:?}", failure)`
/// (`managed_run.rs`), the debug form of the completion's failure, whose first `message: "..."`
/// field is the failure's message, escaped as `Debug` escapes strings. Any other text (an
/// eviction for another reason, a reworded dump) comes back whole.
pub(crate) fn eviction_message(evict_text: &str) -> String {
    const FIELD: &str = "message: \"";
    let Some(start) = evict_text.find(FIELD).map(|i| i + FIELD.len()) else {
        return evict_text.to_owned();
    };
    let mut message = String::new();
    let mut chars = evict_text[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return message,
            '\\' => match chars.next() {
                Some('n') => message.push('\n'),
                Some('t') => message.push('\t'),
                Some('r') => message.push('\r'),
                Some(other) => message.push(other),
                None => break,
            },
            c => message.push(c),
        }
    }
    evict_text.to_owned()
}

/// The event id in a core error that names an event in the protos' `Display` form,
/// `HistoryEvent(id: 5, ActivityTaskScheduled)`.
pub(crate) fn history_event_id(detail: &str) -> Option<i64> {
    const PREFIX: &str = "HistoryEvent(id: ";
    let start = detail.find(PREFIX)? + PREFIX.len();
    let digits: String = detail[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Whether a panic message is tokio's for a call that needs a tokio runtime (`tokio::spawn`,
/// `tokio::time::sleep`, tokio I/O) made outside one: workflow code runs on its own executor.
pub(crate) fn is_tokio_context_panic(message: &str) -> bool {
    message.contains("no reactor running") || message.contains("Tokio 1.x runtime")
}

/// Whether the server's `NotFound` message is about an update rather than its workflow. The
/// server answers `NotFound` for both, "update \"id\" not found" or "workflow not found for
/// ID: ..", and only the start tells them apart (the ids inside may hold any word).
pub(crate) fn names_an_unknown_update(status_message: &str) -> bool {
    status_message.to_lowercase().starts_with("update ")
}

/// Whether the server's `InvalidArgument` message refuses a payload over the namespace's size
/// limit: the server writes "Blob data size exceeds limit." (and "Memo size exceeds limit." for
/// a memo), with no sizes.
pub(crate) fn is_payload_size_refusal(status_message: &str) -> bool {
    status_message.contains("size exceeds limit")
}

/// Whether the failure type core gives a failed signal or cancellation of another workflow
/// says that workflow (or its namespace) does not exist. Core writes the failed cause's name,
/// `ExternalWorkflowExecutionNotFound` or `NamespaceNotFound`, as an application failure type.
pub(crate) fn is_not_found_failure_type(failure_type: &str) -> bool {
    failure_type.ends_with("NotFound") || failure_type.contains("NOT_FOUND")
}

/// Whether a core warning is the one about a server that does not advertise the
/// `activity_failure_include_heartbeat` capability, which Temporal's time-skipping test server
/// never does (see `worker/core_warnings.rs`). Pinned by the integration test
/// `testing_tools::a_result_wait_given_up_on_locks_the_clock_again`, which runs a worker on the test server.
pub(crate) fn is_heartbeat_capability_warning(message: &str) -> bool {
    message.contains("did not advertise the activity_failure_include_heartbeat capability")
}

/// Whether a core warning is the one core logs as it fails the workflow task of a run whose
/// replay diverged; a replay reports that divergence itself (see `worker/core_warnings.rs`).
/// Pinned by the integration test
/// `versioning::the_replay_check_replays_the_open_runs_of_a_live_server_and_names_the_divergence`,
/// which watches the replay's log events.
pub(crate) fn is_failing_workflow_task_warning(message: &str) -> bool {
    message.starts_with("Failing workflow task")
}

/// Whether a client-library log message is its warning about a call it keeps retrying:
/// `temporalio-client` writes `"gRPC call {call_name} retried {attempt} times"` at WARN (ERROR
/// for an unlimited retry past 15 attempts) in `retry.rs`; a worker folds these into one line
/// per outage (see `worker/outage.rs`).
pub(crate) fn is_retry_warning(message: &str) -> bool {
    message.starts_with("gRPC call ") && message.contains(" retried ")
}

#[cfg(test)]
mod tests {
    use std::panic::{AssertUnwindSafe, catch_unwind};

    use temporalio_common::protos::{
        coresdk::workflow_completion,
        temporal::api::{
            enums::v1::{
                CancelExternalWorkflowExecutionFailedCause, EventType,
                SignalExternalWorkflowExecutionFailedCause,
            },
            failure::v1::Failure,
            history::v1::HistoryEvent,
        },
    };

    use super::*;
    use crate::error::panic_message;

    #[test]
    fn the_message_comes_out_of_core_s_eviction_text() {
        let failure = workflow_completion::Failure {
            failure: Some(Failure {
                message: "[TMPRL1100] Nondeterminism error: expected \"a\"\nnot 'b'".to_owned(),
                source: "workflow-runtime".to_owned(),
                cause: Some(Box::new(Failure {
                    message: "the cause".to_owned(),
                    ..Default::default()
                })),
                ..Default::default()
            }),
            ..Default::default()
        };
        // As core's `managed_run.rs` writes it.
        let text = format!("Workflow activation completion failed: {:?}", &failure);
        assert_eq!(
            eviction_message(&text),
            "[TMPRL1100] Nondeterminism error: expected \"a\"\nnot 'b'"
        );
        assert_eq!(eviction_message("cache full"), "cache full");
    }

    #[test]
    fn the_event_id_comes_out_of_the_protos_display_of_an_event() {
        let event = HistoryEvent {
            event_id: 57,
            event_type: EventType::ActivityTaskScheduled as i32,
            ..Default::default()
        };
        let detail = format!("Timer machine does not handle this event: {event}");
        assert_eq!(history_event_id(&detail), Some(57));
        assert_eq!(history_event_id("no event here"), None);
    }

    #[test]
    fn tokio_s_panics_outside_a_runtime_are_recognised() {
        for call in [
            Box::new(|| drop(tokio::spawn(async {}))) as Box<dyn Fn()>,
            Box::new(|| drop(tokio::time::sleep(std::time::Duration::from_secs(1)))),
        ] {
            let payload = catch_unwind(AssertUnwindSafe(call)).expect_err("tokio panics");
            let message = panic_message(payload.as_ref());
            assert!(is_tokio_context_panic(&message), "{message}");
        }
        assert!(!is_tokio_context_panic("index out of bounds"));
    }

    #[test]
    fn the_server_s_unknown_update_message_is_told_from_an_unknown_workflow() {
        // The server's wording (history service, `update.NewNotFoundError`).
        assert!(names_an_unknown_update("update \"update-7\" not found"));
        assert!(!names_an_unknown_update(
            "workflow not found for ID: update-7"
        ));
    }

    #[test]
    fn core_s_not_found_causes_are_recognised() {
        // Core writes the cause enum's `Display` as the failure type.
        for cause in [
            SignalExternalWorkflowExecutionFailedCause::ExternalWorkflowExecutionNotFound
                .to_string(),
            SignalExternalWorkflowExecutionFailedCause::NamespaceNotFound.to_string(),
            CancelExternalWorkflowExecutionFailedCause::ExternalWorkflowExecutionNotFound
                .to_string(),
        ] {
            assert!(is_not_found_failure_type(&cause), "{cause}");
        }
        let limit = SignalExternalWorkflowExecutionFailedCause::SignalCountLimitExceeded;
        assert!(!is_not_found_failure_type(&limit.to_string()));
    }

    #[test]
    fn the_server_s_size_refusals_are_recognized_and_other_refusals_are_not() {
        assert!(is_payload_size_refusal("Blob data size exceeds limit."));
        assert!(is_payload_size_refusal("Memo size exceeds limit."));
        assert!(!is_payload_size_refusal(
            "WorkflowId is not set on request."
        ));
    }

    #[test]
    fn the_client_library_s_retry_warnings_are_recognized() {
        let (call_name, attempt) = ("poll_workflow_task_queue", 6);
        assert!(is_retry_warning(&format!(
            "gRPC call {call_name} retried {attempt} times"
        )));
        assert!(!is_retry_warning(
            "gRPC call poll_workflow_task_queue failed on first attempt"
        ));
    }
}
