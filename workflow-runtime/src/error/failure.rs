//! Temporal `Failure` protos: how this runtime builds them, walks their cause chains, and the
//! failure types it writes, which other languages' SDKs read.

use std::fmt;

use temporalio_common::protos::temporal::api::{
    common::v1::Payloads,
    failure::v1::{ApplicationFailureInfo, Failure, failure::FailureInfo},
};

/// The `source` recorded in failures raised by this runtime.
pub(crate) const FAILURE_SOURCE: &str = "workflow-runtime";

/// The application failure types this runtime writes into Temporal failures.
///
/// They are part of the wire contract: a Python, Go or TypeScript caller matches on them
/// (`ApplicationError.type` in Python), so they never change spelling.
///
/// ```
/// use workflow_runtime::failure_type;
/// assert_eq!(failure_type::PAYLOAD_ERROR, "PayloadError");
/// ```
pub mod failure_type {
    /// A value did not convert to or from a payload: an argument, a result or a detail that
    /// does not decode as the declared Rust type. Non-retryable: the same bytes fail again.
    pub const PAYLOAD_ERROR: &str = "PayloadError";
    /// A query handler or an update validator panicked (a panicking update handler fails the
    /// workflow task instead).
    pub const PANIC: &str = "Panic";
    /// An activity panicked; the attempt fails and the retry policy applies.
    pub const ACTIVITY_PANIC: &str = "ActivityPanic";
    /// A workflow task failed (a panic in workflow code, an unknown workflow type, a tokio call
    /// on the workflow thread); the server retries the task.
    pub const WORKFLOW_TASK_FAILED: &str = "WorkflowTaskFailed";
    /// A query named no query handler of the workflow.
    pub const QUERY_NOT_FOUND: &str = "QueryNotFound";
    /// An update named no update handler of the workflow; it is rejected.
    pub const UPDATE_NOT_FOUND: &str = "UpdateNotFound";
    /// An activity task named an activity type the worker does not register.
    pub const ACTIVITY_NOT_REGISTERED: &str = "ActivityNotRegistered";
    /// An activity resolution carried no failure of its own (core sent no outcome).
    pub const ACTIVITY_FAILED: &str = "ActivityFailed";

    /// Every failure type above.
    pub const ALL: [&str; 8] = [
        PAYLOAD_ERROR,
        PANIC,
        ACTIVITY_PANIC,
        WORKFLOW_TASK_FAILED,
        QUERY_NOT_FOUND,
        UPDATE_NOT_FOUND,
        ACTIVITY_NOT_REGISTERED,
        ACTIVITY_FAILED,
    ];
}

/// Whether the server may retry after an application failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// The retry policy decides.
    Retryable,
    /// Never retried, whatever the retry policy says.
    NonRetryable,
}

/// Builds an application failure with a type and a message.
pub(crate) fn application_failure(
    error_type: &str,
    message: &str,
    retry: Retry,
    details: Option<Payloads>,
) -> Failure {
    Failure {
        message: message.to_owned(),
        source: FAILURE_SOURCE.to_owned(),
        failure_info: Some(FailureInfo::ApplicationFailureInfo(
            ApplicationFailureInfo {
                r#type: error_type.to_owned(),
                non_retryable: retry == Retry::NonRetryable,
                details,
                ..Default::default()
            },
        )),
        ..Default::default()
    }
}

/// A cancellation failure with a message.
pub(crate) fn cancelled_failure(message: String) -> Failure {
    Failure {
        message,
        source: FAILURE_SOURCE.to_owned(),
        failure_info: Some(FailureInfo::CanceledFailureInfo(Default::default())),
        ..Default::default()
    }
}

/// Whether a failure reports a cancellation: a cancellation itself, or an activity or child
/// workflow that ended because it was cancelled. A run whose cancellation was requested and
/// whose code returns such an error ends as cancelled rather than failed (the rule of the
/// TypeScript and Python SDKs).
pub(crate) fn is_cancellation(failure: &Failure) -> bool {
    match &failure.failure_info {
        Some(FailureInfo::CanceledFailureInfo(_)) => true,
        Some(
            FailureInfo::ActivityFailureInfo(_) | FailureInfo::ChildWorkflowExecutionFailureInfo(_),
        ) => failure.cause.as_deref().is_some_and(|cause| {
            matches!(
                cause.failure_info,
                Some(FailureInfo::CanceledFailureInfo(_))
            )
        }),
        _ => false,
    }
}

/// The failure and its causes, outermost first.
pub(crate) fn chain(failure: &Failure) -> impl Iterator<Item = &Failure> {
    std::iter::successors(Some(failure), |f| f.cause.as_deref())
}

/// The outermost application failure of a chain: the error the application raised, below the
/// activity or child-workflow failure that wraps it. Its own causes stay reachable through
/// [`FailureView::cause`].
pub(crate) fn first_application(failure: &Failure) -> Option<(&Failure, &ApplicationFailureInfo)> {
    chain(failure).find_map(|f| match &f.failure_info {
        Some(FailureInfo::ApplicationFailureInfo(info)) => Some((f, info)),
        _ => None,
    })
}

/// The message that stands in for the real one when a failure's message and stack trace are
/// encoded into `encoded_attributes` (the SDKs' "encode common attributes" option).
const ENCODED_FAILURE_MESSAGE: &str = "Encoded failure";

/// Whether outgoing failures keep their message and stack trace in the clear, or move them into
/// `encoded_attributes` (the SDKs' "encode common attributes" option), where a payload codec
/// can encrypt them. Receivers decode them either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum FailureEncoding {
    /// Message and stack trace in the clear.
    #[default]
    Plain,
    /// Message and stack trace in `encoded_attributes`; the message reads `Encoded failure`.
    CommonAttributes,
}

impl FailureEncoding {
    /// Applies the encoding to every failure of the chain.
    pub(crate) fn apply(self, failure: &mut Failure) {
        if self == FailureEncoding::Plain {
            return;
        }
        let mut link = Some(failure);
        while let Some(failure) = link {
            if failure.encoded_attributes.is_none() {
                let common = serde_json::json!({
                    "message": failure.message,
                    "stack_trace": failure.stack_trace,
                });
                if let Ok(encoded) = crate::payload::encode(&common) {
                    failure.encoded_attributes = Some(encoded);
                    failure.message = ENCODED_FAILURE_MESSAGE.to_owned();
                    failure.stack_trace.clear();
                }
            }
            link = failure.cause.as_deref_mut();
        }
    }
}

/// Restores the message and stack trace of every failure in the chain whose common attributes
/// were encoded by the sender (`{"message": .., "stack_trace": ..}` in `encoded_attributes`), as
/// every SDK's failure converter does on the way in.
pub(crate) fn decode_common_attributes(failure: &mut Failure) {
    #[derive(serde::Deserialize)]
    struct Common {
        #[serde(default)]
        message: String,
        #[serde(default)]
        stack_trace: String,
    }
    let mut link = Some(failure);
    while let Some(failure) = link {
        if let Some(encoded) = &failure.encoded_attributes
            && let Ok(common) = crate::payload::decode::<Common>(encoded)
        {
            if failure.message.is_empty() || failure.message == ENCODED_FAILURE_MESSAGE {
                failure.message = common.message;
            }
            if failure.stack_trace.is_empty() {
                failure.stack_trace = common.stack_trace;
            }
            failure.encoded_attributes = None;
        }
        link = failure.cause.as_deref_mut();
    }
}

/// A failure as it arrives from the server, its common attributes decoded.
pub(crate) fn received(mut failure: Failure) -> Box<Failure> {
    decode_common_attributes(&mut failure);
    Box::new(failure)
}

/// One failure of a chain, read-only: what an error raised in any language looks like from
/// here (its type, message, details, retry flag) and its cause.
///
/// ```
/// use workflow_runtime::WorkflowError;
/// let error = WorkflowError::application("Outer", "could not ship")
///     .with_cause(WorkflowError::application("Inner", "no stock"));
/// let cause = error.view().cause().expect("a cause");
/// assert_eq!(cause.error_type(), Some("Inner"));
/// assert_eq!(cause.message(), "no stock");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct FailureView<'a> {
    failure: &'a Failure,
}

impl<'a> FailureView<'a> {
    pub(crate) fn new(failure: &'a Failure) -> Self {
        Self { failure }
    }

    fn application(&self) -> Option<&'a ApplicationFailureInfo> {
        match &self.failure.failure_info {
            Some(FailureInfo::ApplicationFailureInfo(info)) => Some(info),
            _ => None,
        }
    }

    /// The application error type, when this is an application failure.
    pub fn error_type(&self) -> Option<&'a str> {
        self.application().map(|info| info.r#type.as_str())
    }

    /// The message.
    pub fn message(&self) -> &'a str {
        &self.failure.message
    }

    /// The stack trace the sender recorded, if any (other SDKs record one).
    pub fn stack_trace(&self) -> &'a str {
        &self.failure.stack_trace
    }

    /// Whether this application failure was marked non-retryable.
    pub fn is_non_retryable(&self) -> bool {
        self.application().is_some_and(|info| info.non_retryable)
    }

    /// Decodes the first detail payload of this application failure.
    pub fn details<T: serde::de::DeserializeOwned>(
        &self,
    ) -> Option<Result<T, crate::payload::PayloadError>> {
        let payload = self.application()?.details.as_ref()?.payloads.first()?;
        Some(crate::payload::decode(payload))
    }

    /// The failure that caused this one.
    pub fn cause(&self) -> Option<FailureView<'a>> {
        self.failure.cause.as_deref().map(FailureView::new)
    }

    /// The raw Temporal failure.
    pub fn failure(&self) -> &'a Failure {
        self.failure
    }
}

/// Renders a failure chain as `outer: inner: innermost (type X)`.
pub(crate) fn describe_chain(failure: &Failure, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let mut first = true;
    for link in chain(failure) {
        if link.message.is_empty() {
            continue;
        }
        if !first {
            f.write_str(": ")?;
        }
        first = false;
        f.write_str(&link.message)?;
        if let Some(FailureInfo::ApplicationFailureInfo(info)) = &link.failure_info
            && !info.r#type.is_empty()
        {
            write!(f, " (type {})", info.r#type)?;
        }
    }
    Ok(())
}

/// The last segment of a Rust type path, used as the failure type of converted errors
/// (`std::io::Error` becomes `Error`, `my_app::PaymentDeclined` becomes `PaymentDeclined`).
pub(crate) fn short_type_name<T: ?Sized>() -> &'static str {
    let full = std::any::type_name::<T>();
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `docs/wire-contract.md` lists exactly the failure types this runtime writes.
    #[test]
    fn the_wire_contract_page_lists_every_failure_type() {
        let page = include_str!("../../../docs/wire-contract.md");
        let listed: Vec<&str> = page
            .lines()
            .filter_map(|line| line.strip_prefix("| `"))
            .filter_map(|rest| rest.split('`').next())
            .collect();
        let mut listed = listed;
        listed.sort_unstable();
        let mut expected = failure_type::ALL.to_vec();
        expected.sort_unstable();
        assert_eq!(listed, expected, "the table in docs/wire-contract.md");
    }
}
