//! Options for activities, child workflows, continue-as-new and retries, mapped one to one
//! onto Temporal's command fields. Anything left unset stays unset on the wire, so the server's
//! defaults apply. Each options type builds its own command (`schedule_command`,
//! `start_command`, `command`), so every field reaches the wire from one place:
//! `activity.rs` for activities and local activities, `workflow.rs` for runs started from a
//! workflow (children, continue-as-new) and the policies a start takes.

mod activity;
mod workflow;

use std::time::Duration;

use temporalio_common::protos::temporal::api::common::v1::RetryPolicy as RetryPolicyProto;

use crate::convert::proto_duration;

pub use activity::{ActivityCancellation, ActivityOptions, LocalActivityOptions};
pub use workflow::{
    ChildCancellation, ChildWorkflowOptions, ContinueAsNewOptions, ParentClosePolicy,
    WorkflowIdConflictPolicy, WorkflowIdReusePolicy,
};
pub(crate) use workflow::{ChildDefaults, RunSettings, run_setters};

/// How the server retries a failed activity or workflow.
///
/// ```
/// use std::time::Duration;
/// use workflow_runtime::RetryPolicy;
/// let policy = RetryPolicy::exponential()
///     .initial_interval(Duration::from_millis(100))
///     .backoff_coefficient(2.0)
///     .maximum_interval(Duration::from_secs(10))
///     .maximum_attempts(5)
///     .non_retryable_error_types(["PaymentDeclined"]);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RetryPolicy {
    initial_interval: Option<Duration>,
    backoff_coefficient: Option<f64>,
    maximum_interval: Option<Duration>,
    maximum_attempts: Option<i32>,
    non_retryable_error_types: Vec<String>,
}

impl RetryPolicy {
    /// The server's default exponential backoff; adjust with the setters.
    pub fn exponential() -> Self {
        Self::default()
    }

    /// A policy that never retries: one attempt only.
    pub fn no_retries() -> Self {
        Self::default().maximum_attempts(1)
    }

    /// Delay before the first retry (server default 1 s).
    pub fn initial_interval(mut self, interval: Duration) -> Self {
        self.initial_interval = Some(interval);
        self
    }

    /// Factor applied to the delay after each retry (server default 2.0).
    pub fn backoff_coefficient(mut self, coefficient: f64) -> Self {
        self.backoff_coefficient = Some(coefficient);
        self
    }

    /// Cap on the delay between retries (server default 100 x the initial interval).
    pub fn maximum_interval(mut self, interval: Duration) -> Self {
        self.maximum_interval = Some(interval);
        self
    }

    /// Cap on the number of attempts, the first included (0 means unlimited).
    pub fn maximum_attempts(mut self, attempts: u32) -> Self {
        self.maximum_attempts = Some(i32::try_from(attempts).unwrap_or(i32::MAX));
        self
    }

    /// Application error types that are never retried.
    pub fn non_retryable_error_types<I, S>(mut self, types: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.non_retryable_error_types = types.into_iter().map(Into::into).collect();
        self
    }

    pub(crate) fn to_proto(&self) -> RetryPolicyProto {
        RetryPolicyProto {
            initial_interval: self.initial_interval.map(proto_duration),
            backoff_coefficient: self.backoff_coefficient.unwrap_or(0.0),
            maximum_interval: self.maximum_interval.map(proto_duration),
            maximum_attempts: self.maximum_attempts.unwrap_or(0),
            non_retryable_error_types: self.non_retryable_error_types.clone(),
        }
    }
}
