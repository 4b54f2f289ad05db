//! Public error types and their conversion to and from Temporal's `Failure` protos.
//!
//! Failures travel as Temporal `Failure` messages with `ApplicationFailureInfo`, so the type and
//! message of an error raised in Rust reach a Python or Go caller unchanged, and the other way
//! round.

use std::{fmt, sync::Arc};

use serde::Serialize;
use temporalio_common::protos::temporal::api::{
    common::v1::Payloads,
    failure::v1::{Failure, failure::FailureInfo},
};

use crate::payload::{PayloadError, encode};

pub(crate) mod failure;

pub use failure::{FailureCause, FailureView, failure_type};
pub(crate) use failure::{
    FailureChain, FailureEncoding, Retry, application_failure, cancelled_failure, chain, describe,
    failure_type_name, first_application, is_cancellation, received,
};
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
/// policy. Any `std::error::Error` converts into a retryable `ActivityError` with `?`: its type
/// name is the failure type (`io::Error`, `ParseIntError`), its message and its
/// [`source`](std::error::Error::source) chain travel as the failure's message and causes, and
/// the original error stays this error's source. A [`PayloadError`] (a heartbeat detail or a
/// value that does not encode or decode) converts into a non-retryable `PayloadError` failure
/// instead, as the wire contract says: the same value fails again on every attempt.
///
/// ```
/// use workflow_runtime::{ActivityError, payload::encode};
/// let not_json = std::collections::HashMap::from([((1, 2), "a tuple key")]);
/// let unencodable: ActivityError = encode(&not_json).unwrap_err().into();
/// assert_eq!(unencodable.error_type(), "PayloadError");
/// assert!(!unencodable.is_retryable());
///
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
    cause: Option<Cause>,
}

/// What caused an [`ActivityError`]: another one (`with_cause`), or the error it was
/// converted from.
#[derive(Debug)]
enum Cause {
    Activity(FailureCause),
    Converted(Box<dyn std::error::Error + Send + Sync>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ActivityErrorKind {
    Retryable,
    NonRetryable,
    Cancelled,
    CompleteAsync,
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

    /// Not an error: the activity returns without a result, and something else completes it
    /// later through [`Client::async_activity`](crate::Client::async_activity), by its
    /// [`ActivityInfo::task_token`](crate::ActivityInfo::task_token) or by workflow id and
    /// activity id. Until then the activity stays open on the server, bounded by its
    /// timeouts (and its heartbeat timeout, if the completer heartbeats). A local activity
    /// cannot complete later: its attempt fails without retries.
    ///
    /// ```
    /// use workflow_runtime::prelude::*;
    /// #[activity]
    /// async fn request_approval(ctx: ActivityContext, order: String) -> Result<bool, ActivityError> {
    ///     let token = ctx.info().task_token.clone();
    ///     // Hand `token` to the process that will answer (a queue, a ticket, an email link).
    ///     # let _ = (token, order);
    ///     Err(ActivityError::complete_async())
    /// }
    /// ```
    pub fn complete_async() -> Self {
        Self::new(
            ActivityErrorKind::CompleteAsync,
            failure_type::COMPLETE_ASYNC,
            "a local activity cannot complete asynchronously: only a remote activity's task \
             token can be completed later; call it with ctx.activity(..)",
        )
    }

    /// Whether this is [`complete_async`](Self::complete_async).
    pub fn is_complete_async(&self) -> bool {
        self.kind == ActivityErrorKind::CompleteAsync
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
    /// (`__cause__` of the `ApplicationError` in Python), and [`source`](Self::source) returns
    /// its Rust form.
    pub fn with_cause(mut self, cause: ActivityError) -> Self {
        self.cause = Some(Cause::Activity(FailureCause::new(cause.into_failure())));
        self
    }

    /// The error this one was converted from with `?` (the `io::Error` itself), or the cause
    /// given to [`with_cause`](Self::with_cause), as in [`std::error::Error::source`].
    /// (`ActivityError` converts from every error, so it cannot be one itself.)
    ///
    /// ```
    /// use workflow_runtime::ActivityError;
    /// let error: ActivityError = "x".parse::<u32>().unwrap_err().into();
    /// assert_eq!(error.error_type(), "ParseIntError");
    /// let source = error.source().expect("the original error");
    /// assert!(source.downcast_ref::<std::num::ParseIntError>().is_some());
    /// ```
    pub fn source(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        match &self.cause {
            Some(Cause::Activity(cause)) => Some(cause),
            Some(Cause::Converted(source)) => Some(source.as_ref()),
            None => None,
        }
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
        let cause = match self.cause {
            Some(Cause::Activity(cause)) => Some(cause.into_failure()),
            Some(Cause::Converted(source)) => source_failures(source.source()),
            None => None,
        };
        let retry = match self.kind {
            ActivityErrorKind::Cancelled => {
                return Failure {
                    cause,
                    ..cancelled_failure(self.message)
                };
            }
            ActivityErrorKind::Retryable => Retry::Retryable,
            // Reaches a failure only where completing later is impossible (a local activity).
            ActivityErrorKind::NonRetryable | ActivityErrorKind::CompleteAsync => {
                Retry::NonRetryable
            }
        };
        Failure {
            cause,
            ..application_failure(&self.error_type, &self.message, retry, self.details)
        }
    }
}

impl fmt::Display for ActivityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (type {})", self.message, self.error_type)
    }
}

/// Converts any error with `?`, keeping it as the source; see [`ActivityError`].
impl<E: std::error::Error + Send + Sync + 'static> From<E> for ActivityError {
    fn from(error: E) -> Self {
        // `?` on a payload error names the wire contract's type, not the Rust one, and is not
        // retried: the same value fails to convert again.
        let (kind, error_type) = if (&error as &dyn std::any::Any).is::<PayloadError>() {
            (
                ActivityErrorKind::NonRetryable,
                failure_type::PAYLOAD_ERROR.to_owned(),
            )
        } else {
            (ActivityErrorKind::Retryable, failure_type_name::<E>())
        };
        Self {
            message: error.to_string(),
            cause: Some(Cause::Converted(Box::new(error))),
            ..Self::new(kind, error_type, "")
        }
    }
}
/// An activity called from workflow code did not complete successfully: it failed after its
/// retries, timed out, or was cancelled.
#[derive(Debug, Clone)]
pub struct ActivityFailed {
    pub(crate) activity_type: String,
    pub(crate) failure: FailureChain,
}

impl ActivityFailed {
    /// The activity type that failed.
    pub fn activity_type(&self) -> &str {
        &self.activity_type
    }

    failure_accessors!();
}

impl std::error::Error for ActivityFailed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.failure.source()
    }
}

impl fmt::Display for ActivityFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "activity `{}` failed: ", self.activity_type)?;
        describe(&self.failure, f)
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
    pub(crate) failure: FailureChain,
    /// The Rust error this one was converted from with `?`, kept as its source.
    converted: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl WorkflowError {
    /// An application error with a type and a message.
    pub fn application(error_type: impl Into<String>, message: impl Into<String>) -> Self {
        Self::from_failure(application_failure(
            &error_type.into(),
            &message.into(),
            Retry::Retryable,
            None,
        ))
    }

    /// An application error that a workflow retry policy must not retry.
    pub fn non_retryable(error_type: impl Into<String>, message: impl Into<String>) -> Self {
        Self::from_failure(application_failure(
            &error_type.into(),
            &message.into(),
            Retry::NonRetryable,
            None,
        ))
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
        self.failure.cause = Some(cause.into().failure.into_failure());
        self.converted = None;
        self
    }

    /// What caused this error, as in [`std::error::Error::source`]: the Rust error it was
    /// converted from with `?`, or else the first cause of its failure chain (a
    /// [`FailureCause`]). (`WorkflowError` converts from every error, so it cannot be one
    /// itself.)
    ///
    /// ```
    /// use workflow_runtime::WorkflowError;
    /// let error: WorkflowError = std::io::Error::other("disk full").into();
    /// assert_eq!(error.error_type(), Some("io::Error"));
    /// assert!(error.source().and_then(|s| s.downcast_ref::<std::io::Error>()).is_some());
    /// ```
    pub fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.converted {
            Some(converted) => Some(converted.as_ref()),
            None => self.failure.source(),
        }
    }

    pub(crate) fn from_failure(failure: impl Into<FailureChain>) -> Self {
        Self {
            failure: failure.into(),
            converted: None,
        }
    }

    failure_accessors!();
}

impl fmt::Display for WorkflowError {
    /// The outermost failure, `message (type X)`; with `{:#}`, the whole chain.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        describe(&self.failure, f)
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for WorkflowError {
    fn from(error: E) -> Self {
        // The runtime's own failures are kept whole, so the caller sees an activity's or a
        // child's own error type and message in the cause chain, as with the other SDKs.
        let any: &dyn std::any::Any = &error;
        if let Some(failed) = any.downcast_ref::<ActivityFailed>() {
            return Self::from_failure(failed.failure.clone());
        }
        if let Some(failed) = any.downcast_ref::<ChildWorkflowFailed>() {
            return Self::from_failure(failed.failure.clone());
        }
        if let Some(failed) = any.downcast_ref::<SagaFailed>() {
            return failed.error().clone();
        }
        if let Some(cancelled) = any.downcast_ref::<Cancelled>() {
            return Self::from_failure(cancelled_failure(cancelled.to_string()));
        }
        let error_type = if any.is::<PayloadError>() {
            failure_type::PAYLOAD_ERROR.to_owned()
        } else {
            failure_type_name::<E>()
        };
        let failure = Failure {
            cause: source_failures(error.source()),
            ..application_failure(&error_type, &error.to_string(), Retry::Retryable, None)
        };
        Self {
            failure: failure.into(),
            converted: Some(Arc::new(error)),
        }
    }
}

/// The causes of a converted Rust error as a failure chain, so callers in other languages see
/// them too. Their Rust types are not known here, so they travel without a failure type.
fn source_failures(source: Option<&(dyn std::error::Error + 'static)>) -> Option<Box<Failure>> {
    let source = source?;
    Some(Box::new(Failure {
        cause: source_failures(source.source()),
        ..application_failure("", &source.to_string(), Retry::Retryable, None)
    }))
}

/// The result type of workflow code.
pub type WorkflowResult<T> = Result<T, WorkflowError>;

/// A workflow execution ended in failure; returned to the client that waits for its result.
#[derive(Debug, Clone)]
pub struct WorkflowFailed {
    pub(crate) failure: FailureChain,
}

impl WorkflowFailed {
    failure_accessors!();
}

impl std::error::Error for WorkflowFailed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.failure.source()
    }
}

impl fmt::Display for WorkflowFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("workflow failed: ")?;
        describe(&self.failure, f)
    }
}

/// An update was rejected by its validator or failed in its handler; returned to the client
/// that sent it.
#[derive(Debug, Clone)]
pub struct UpdateFailed {
    pub(crate) update: String,
    pub(crate) failure: FailureChain,
}

impl UpdateFailed {
    /// The update's name; the update id when the handle was made from the id alone
    /// (`UntypedWorkflowHandle::update_handle`), where the name is not known.
    pub fn update_name(&self) -> &str {
        &self.update
    }

    failure_accessors!();
}

impl std::error::Error for UpdateFailed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.failure.source()
    }
}

impl fmt::Display for UpdateFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "update `{}` failed: ", self.update)?;
        describe(&self.failure, f)
    }
}

/// A type name that no registration of the worker matches: the activity or workflow type a
/// task asked for, with the names the worker does register.
#[derive(Debug, thiserror::Error)]
#[error("unknown {kind} type `{name}`: this worker registers {}", name_list(self.registered.iter().map(String::as_str)))]
pub(crate) struct UnknownName {
    kind: &'static str,
    name: String,
    registered: Vec<String>,
}

impl UnknownName {
    pub(crate) fn activity<'a>(name: &str, registered: impl IntoIterator<Item = &'a str>) -> Self {
        Self::new("activity", name, registered)
    }

    pub(crate) fn workflow<'a>(name: &str, registered: impl IntoIterator<Item = &'a str>) -> Self {
        Self::new("workflow", name, registered)
    }

    fn new<'a>(
        kind: &'static str,
        name: &str,
        registered: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        Self {
            kind,
            name: name.to_owned(),
            registered: registered.into_iter().map(str::to_owned).collect(),
        }
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
mod tests;
