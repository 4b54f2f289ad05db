//! Public error types and their conversion to and from Temporal's `Failure` protos.
//!
//! Failures travel as Temporal `Failure` messages with `ApplicationFailureInfo`, so the type and
//! message of an error raised in Rust reach a Python or Go caller unchanged, and the other way
//! round.

use std::fmt;

use serde::Serialize;
use temporalio_common::protos::temporal::api::{
    common::v1::Payloads,
    failure::v1::{Failure, failure::FailureInfo},
};

use crate::payload::{PayloadError, encode};

pub(crate) mod failure;

pub(crate) use failure::{
    FailureEncoding, Retry, application_failure, cancelled_failure, chain, describe_chain,
    first_application, is_cancellation, received, short_type_name,
};
pub use failure::{FailureView, failure_type};
pub use lifecycle::{
    Cancelled, ChildStartRefused, ChildWorkflowFailed, ExternalWorkflowFailed, SagaFailed,
};

/// Common accessors over a failure chain, shared by [`ActivityFailed`] and [`WorkflowFailed`].
macro_rules! failure_accessors {
    () => {
        /// The application error that was raised, if any: the outermost application failure
        /// of the chain (below the activity or workflow failure that wraps it). Its causes are
        /// reachable through [`FailureView::cause`].
        pub fn application_error(&self) -> Option<FailureView<'_>> {
            first_application(&self.failure).map(|(f, _)| FailureView::new(f))
        }

        /// The whole failure chain, outermost first.
        pub fn view(&self) -> FailureView<'_> {
            FailureView::new(&self.failure)
        }

        /// The application error type of [`application_error`](Self::application_error) (for
        /// example `"PaymentDeclined"`), if the failure came from an application error.
        pub fn error_type(&self) -> Option<&str> {
            first_application(&self.failure).map(|(_, info)| info.r#type.as_str())
        }

        /// The message of [`application_error`](Self::application_error), or the top-level
        /// message.
        pub fn message(&self) -> &str {
            first_application(&self.failure)
                .map(|(f, _)| f.message.as_str())
                .unwrap_or(&self.failure.message)
        }

        /// Whether [`application_error`](Self::application_error) was marked non-retryable.
        pub fn is_non_retryable(&self) -> bool {
            first_application(&self.failure).is_some_and(|(_, info)| info.non_retryable)
        }

        /// Decodes the first detail payload of [`application_error`](Self::application_error).
        pub fn details<T: serde::de::DeserializeOwned>(&self) -> Option<Result<T, PayloadError>> {
            self.application_error()?.details()
        }

        /// Whether the failure chain contains a cancellation.
        pub fn is_cancelled(&self) -> bool {
            chain(&self.failure)
                .any(|f| matches!(f.failure_info, Some(FailureInfo::CanceledFailureInfo(_))))
        }

        /// Whether the failure chain contains a timeout.
        pub fn is_timeout(&self) -> bool {
            chain(&self.failure)
                .any(|f| matches!(f.failure_info, Some(FailureInfo::TimeoutFailureInfo(_))))
        }

        /// Which timeout fired, when the failure chain contains a timeout.
        pub fn timeout_kind(&self) -> Option<$crate::error::TimeoutKind> {
            chain(&self.failure).find_map(|f| match &f.failure_info {
                Some(FailureInfo::TimeoutFailureInfo(info)) => {
                    $crate::error::TimeoutKind::from_proto(info.timeout_type)
                }
                _ => None,
            })
        }

        /// The raw Temporal failure.
        pub fn failure(&self) -> &Failure {
            &self.failure
        }
    };
}

/// Which of an activity's or workflow's timeouts fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// Start-to-close: one attempt ran too long.
    StartToClose,
    /// Schedule-to-start: no worker picked the task up in time.
    ScheduleToStart,
    /// Schedule-to-close: all attempts together ran too long.
    ScheduleToClose,
    /// Heartbeat: the activity stopped heartbeating.
    Heartbeat,
}

impl TimeoutKind {
    pub(crate) fn from_proto(value: i32) -> Option<Self> {
        use temporalio_common::protos::temporal::api::enums::v1::TimeoutType;
        match TimeoutType::try_from(value).ok()? {
            TimeoutType::StartToClose => Some(Self::StartToClose),
            TimeoutType::ScheduleToStart => Some(Self::ScheduleToStart),
            TimeoutType::ScheduleToClose => Some(Self::ScheduleToClose),
            TimeoutType::Heartbeat => Some(Self::Heartbeat),
            TimeoutType::Unspecified => None,
        }
    }
}

// Declared after `failure_accessors`, which its error types use.
mod lifecycle;

/// An error returned by an activity implementation.
///
/// Errors are retryable by default: the server retries the activity according to its retry
/// policy. Any `std::error::Error` converts into a retryable `ActivityError` with `?`, its type
/// name as the failure type.
///
/// ```
/// use workflow_runtime::ActivityError;
/// let declined = ActivityError::non_retryable("PaymentDeclined", "card declined");
/// assert_eq!(declined.error_type(), "PaymentDeclined");
/// assert!(!declined.is_retryable());
/// ```
#[derive(Debug)]
pub struct ActivityError {
    kind: ActivityErrorKind,
    error_type: String,
    message: String,
    details: Option<Payloads>,
    cause: Option<Box<Failure>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ActivityErrorKind {
    Retryable,
    NonRetryable,
    Cancelled,
}

impl ActivityError {
    /// A failure the server retries according to the activity's retry policy.
    pub fn retryable(error_type: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ActivityErrorKind::Retryable, error_type, message)
    }

    /// A failure that is never retried, whatever the retry policy says.
    pub fn non_retryable(error_type: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ActivityErrorKind::NonRetryable, error_type, message)
    }

    /// The activity stopped because its cancellation was requested.
    pub fn cancelled() -> Self {
        Self::new(
            ActivityErrorKind::Cancelled,
            "Cancelled",
            "activity cancelled",
        )
    }

    fn new(
        kind: ActivityErrorKind,
        error_type: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            error_type: error_type.into(),
            message: message.into(),
            details: None,
            cause: None,
        }
    }

    /// Records the error that caused this one; callers in any language see it as the cause
    /// (`__cause__` of the `ApplicationError` in Python).
    pub fn with_cause(mut self, cause: ActivityError) -> Self {
        self.cause = Some(Box::new(cause.into_failure()));
        self
    }

    /// Attaches a serializable detail value, readable by the caller with `details()`.
    pub fn with_details<T: Serialize>(mut self, details: &T) -> Result<Self, PayloadError> {
        self.details = Some(Payloads {
            payloads: vec![encode(details)?],
        });
        Ok(self)
    }

    /// The application error type.
    pub fn error_type(&self) -> &str {
        &self.error_type
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether the server may retry the activity after this error.
    pub fn is_retryable(&self) -> bool {
        self.kind == ActivityErrorKind::Retryable
    }

    /// Whether this error reports a cancellation.
    pub fn is_cancelled(&self) -> bool {
        self.kind == ActivityErrorKind::Cancelled
    }

    pub(crate) fn into_failure(self) -> Failure {
        let retry = match self.kind {
            ActivityErrorKind::Cancelled => {
                return Failure {
                    cause: self.cause,
                    ..cancelled_failure(self.message)
                };
            }
            ActivityErrorKind::Retryable => Retry::Retryable,
            ActivityErrorKind::NonRetryable => Retry::NonRetryable,
        };
        Failure {
            cause: self.cause,
            ..application_failure(&self.error_type, &self.message, retry, self.details)
        }
    }
}

impl fmt::Display for ActivityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (type {})", self.message, self.error_type)
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for ActivityError {
    fn from(error: E) -> Self {
        Self::retryable(short_type_name::<E>(), error.to_string())
    }
}

/// An activity called from workflow code did not complete successfully: it failed after its
/// retries, timed out, or was cancelled.
#[derive(Debug, Clone, thiserror::Error)]
pub struct ActivityFailed {
    pub(crate) activity_type: String,
    pub(crate) failure: Box<Failure>,
}

impl ActivityFailed {
    /// The activity type that failed.
    pub fn activity_type(&self) -> &str {
        &self.activity_type
    }

    failure_accessors!();
}

impl fmt::Display for ActivityFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "activity `{}` failed: ", self.activity_type)?;
        describe_chain(&self.failure, f)
    }
}

/// The error a workflow returns to fail its execution.
///
/// `?` converts activity failures (kept whole, so the caller sees the activity's error type and
/// message in the cause chain) and any `std::error::Error`.
///
/// ```
/// use workflow_runtime::WorkflowError;
/// let e = WorkflowError::application("OutOfStock", "item 7 is out of stock");
/// assert_eq!(e.to_string(), "item 7 is out of stock (type OutOfStock)");
/// ```
#[derive(Debug, Clone)]
pub struct WorkflowError {
    pub(crate) failure: Box<Failure>,
}

impl WorkflowError {
    /// An application error with a type and a message.
    pub fn application(error_type: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            failure: Box::new(application_failure(
                &error_type.into(),
                &message.into(),
                Retry::Retryable,
                None,
            )),
        }
    }

    /// An application error that a workflow retry policy must not retry.
    pub fn non_retryable(error_type: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            failure: Box::new(application_failure(
                &error_type.into(),
                &message.into(),
                Retry::NonRetryable,
                None,
            )),
        }
    }

    /// Attaches a serializable detail value to an application error.
    pub fn with_details<T: Serialize>(mut self, details: &T) -> Result<Self, PayloadError> {
        if let Some(FailureInfo::ApplicationFailureInfo(info)) = &mut self.failure.failure_info {
            info.details = Some(Payloads {
                payloads: vec![encode(details)?],
            });
        }
        Ok(self)
    }

    /// Records the error that caused this one; callers in any language see it as the cause.
    pub fn with_cause(mut self, cause: impl Into<WorkflowError>) -> Self {
        self.failure.cause = Some(cause.into().failure);
        self
    }

    failure_accessors!();
}

impl fmt::Display for WorkflowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        describe_chain(&self.failure, f)
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for WorkflowError {
    fn from(error: E) -> Self {
        // An activity failure is kept whole so the caller sees the activity's own error type
        // and message in the cause chain, as with the other SDKs.
        let any: Box<dyn std::any::Any> = Box::new(error);
        let any = match any.downcast::<ActivityFailed>() {
            Ok(failed) => {
                return Self {
                    failure: failed.failure,
                };
            }
            Err(other) => other,
        };
        let any = match any.downcast::<ChildWorkflowFailed>() {
            Ok(failed) => {
                return Self {
                    failure: failed.failure,
                };
            }
            Err(other) => other,
        };
        let any = match any.downcast::<SagaFailed>() {
            Ok(failed) => return failed.into_error(),
            Err(other) => other,
        };
        let any = match any.downcast::<Cancelled>() {
            Ok(cancelled) => {
                return Self {
                    failure: Box::new(cancelled_failure(cancelled.to_string())),
                };
            }
            Err(other) => other,
        };
        match any.downcast::<E>() {
            Ok(error) => Self::application(short_type_name::<E>(), error.to_string()),
            Err(_) => unreachable!("the box holds an E"),
        }
    }
}

/// The result type of workflow code.
pub type WorkflowResult<T> = Result<T, WorkflowError>;

/// A workflow execution ended in failure; returned to the client that waits for its result.
#[derive(Debug, Clone, thiserror::Error)]
pub struct WorkflowFailed {
    pub(crate) failure: Box<Failure>,
}

impl WorkflowFailed {
    failure_accessors!();
}

impl fmt::Display for WorkflowFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("workflow failed: ")?;
        describe_chain(&self.failure, f)
    }
}

/// An update was rejected by its validator or failed in its handler; returned to the client
/// that sent it.
#[derive(Debug, Clone, thiserror::Error)]
pub struct UpdateFailed {
    pub(crate) update: String,
    pub(crate) failure: Box<Failure>,
}

impl UpdateFailed {
    /// The update's name; the update id when the handle was made from the id alone
    /// (`UntypedWorkflowHandle::update_handle`), where the name is not known.
    pub fn update_name(&self) -> &str {
        &self.update
    }

    failure_accessors!();
}

impl fmt::Display for UpdateFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "update `{}` failed: ", self.update)?;
        describe_chain(&self.failure, f)
    }
}

/// Names for error messages: "`a`, `b`", or "none".
pub(crate) fn name_list<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let names: Vec<String> = names.into_iter().map(|n| format!("`{n}`")).collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

/// Extracts the message of a caught panic.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activity_failure_keeps_inner_type_through_workflow_error() {
        let inner = ActivityError::non_retryable("PaymentDeclined", "card declined").into_failure();
        let failed = ActivityFailed {
            activity_type: "charge_payment".into(),
            failure: Box::new(Failure {
                message: "Activity task failed".into(),
                cause: Some(Box::new(inner)),
                ..Default::default()
            }),
        };
        let wf: WorkflowError = failed.into();
        assert_eq!(wf.error_type(), Some("PaymentDeclined"));
        assert_eq!(wf.message(), "card declined");
        assert!(wf.is_non_retryable());
    }

    #[test]
    fn the_raised_error_is_the_outermost_application_failure_and_its_causes_follow() {
        let raised = ActivityError::non_retryable("PyOuter", "outer")
            .with_details(&7)
            .expect("details encode")
            .with_cause(ActivityError::retryable("PyInner", "inner"));
        let failed = ActivityFailed {
            activity_type: "py_fail".into(),
            failure: Box::new(Failure {
                message: "Activity task failed".into(),
                cause: Some(Box::new(raised.into_failure())),
                ..Default::default()
            }),
        };
        assert_eq!(failed.error_type(), Some("PyOuter"));
        assert_eq!(failed.message(), "outer");
        assert!(failed.is_non_retryable());
        assert_eq!(failed.details::<u32>().and_then(Result::ok), Some(7));
        let cause = failed
            .application_error()
            .and_then(|raised| raised.cause())
            .expect("the cause is kept");
        assert_eq!(cause.error_type(), Some("PyInner"));
        assert_eq!(cause.message(), "inner");
        assert!(!cause.is_non_retryable());
        let through_workflow: WorkflowError = failed.into();
        assert_eq!(through_workflow.error_type(), Some("PyOuter"));
        assert_eq!(
            through_workflow.to_string(),
            "Activity task failed: outer (type PyOuter): inner (type PyInner)"
        );
    }

    #[test]
    fn encoding_common_attributes_hides_them_and_decoding_restores_them() {
        let mut failure = WorkflowError::application("Outer", "secret reason")
            .with_cause(WorkflowError::application("Inner", "secret cause"))
            .failure;
        FailureEncoding::CommonAttributes.apply(&mut failure);
        assert_eq!(failure.message, "Encoded failure");
        let cause = failure.cause.as_deref().expect("cause");
        assert_eq!(cause.message, "Encoded failure");
        assert!(
            !String::from_utf8_lossy(&cause.encoded_attributes.as_ref().expect("encoded").data)
                .is_empty()
        );
        let failed = WorkflowFailed {
            failure: received(*failure),
        };
        assert_eq!(failed.message(), "secret reason");
        assert_eq!(
            failed.view().cause().map(|c| c.message()),
            Some("secret cause")
        );
    }

    #[test]
    fn encoded_common_attributes_are_decoded_on_the_way_in() {
        let inner = Failure {
            message: "Encoded failure".into(),
            encoded_attributes: Some(
                encode(&serde_json::json!({"message": "real inner", "stack_trace": "at b"}))
                    .expect("encodes"),
            ),
            ..application_failure("Inner", "", Retry::Retryable, None)
        };
        let outer = Failure {
            message: "Encoded failure".into(),
            encoded_attributes: Some(
                encode(&serde_json::json!({"message": "real outer", "stack_trace": "at a"}))
                    .expect("encodes"),
            ),
            cause: Some(Box::new(inner)),
            ..application_failure("Outer", "", Retry::Retryable, None)
        };
        let failed = WorkflowFailed {
            failure: received(outer),
        };
        assert_eq!(failed.message(), "real outer");
        assert_eq!(failed.view().stack_trace(), "at a");
        let cause = failed.view().cause().expect("cause");
        assert_eq!(cause.message(), "real inner");
        assert_eq!(cause.stack_trace(), "at b");
        assert!(failed.failure().encoded_attributes.is_none());
    }

    #[test]
    fn payload_errors_carry_the_documented_failure_type() {
        // `?` on a payload error goes through the blanket conversion, which names the Rust type;
        // the wire contract promises `failure_type::PAYLOAD_ERROR`.
        let error = PayloadError::new("bad");
        let a: ActivityError = error.clone().into();
        assert_eq!(a.error_type(), failure_type::PAYLOAD_ERROR);
        let w: WorkflowError = error.into();
        assert_eq!(w.error_type(), Some(failure_type::PAYLOAD_ERROR));
    }

    #[test]
    fn std_errors_convert_with_their_type_name() {
        let io = std::io::Error::other("disk on fire");
        let a: ActivityError = io.into();
        assert_eq!(a.error_type(), "Error");
        assert!(a.is_retryable());
        let w: WorkflowError = std::fmt::Error.into();
        assert_eq!(w.error_type(), Some("Error"));
    }
}
