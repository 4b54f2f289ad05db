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

/// The failure and its causes, outermost first.
pub(crate) fn chain(failure: &Failure) -> impl Iterator<Item = &Failure> {
    std::iter::successors(Some(failure), |f| f.cause.as_deref())
}

/// The innermost application failure of a chain, if any.
pub(crate) fn root_application(failure: &Failure) -> Option<(&Failure, &ApplicationFailureInfo)> {
    chain(failure)
        .filter_map(|f| match &f.failure_info {
            Some(FailureInfo::ApplicationFailureInfo(info)) => Some((f, info)),
            _ => None,
        })
        .last()
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
