//! Options for activities and retries, mapped one to one onto Temporal's command fields.
//! Anything left unset stays unset on the wire, so the server's defaults apply.

use std::time::Duration;

use temporalio_common::protos::temporal::api::common::v1::RetryPolicy as RetryPolicyProto;

use crate::convert::proto_duration;

/// How an activity is scheduled: timeouts, task queue and retry policy.
///
/// Temporal requires a start-to-close or a schedule-to-close timeout, so options are built from
/// one of them ([`start_to_close`](Self::start_to_close),
/// [`schedule_to_close`](Self::schedule_to_close)) and there is no default.
///
/// ```
/// use std::time::Duration;
/// use workflow_runtime::{ActivityOptions, RetryPolicy};
/// let options = ActivityOptions::start_to_close(Duration::from_secs(30))
///     .heartbeat_timeout(Duration::from_secs(5))
///     .retry(RetryPolicy::exponential().maximum_attempts(3));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityOptions {
    pub(crate) start_to_close: Option<Duration>,
    pub(crate) schedule_to_close: Option<Duration>,
    pub(crate) schedule_to_start: Option<Duration>,
    pub(crate) heartbeat: Option<Duration>,
    pub(crate) task_queue: Option<String>,
    pub(crate) retry: Option<RetryPolicy>,
}

impl ActivityOptions {
    /// Options with a start-to-close timeout: the longest one attempt may run.
    pub fn start_to_close(timeout: Duration) -> Self {
        Self::unset().start_to_close_timeout(timeout)
    }

    /// Options with a schedule-to-close timeout: the longest all attempts together may take.
    pub fn schedule_to_close(timeout: Duration) -> Self {
        Self::unset().schedule_to_close_timeout(timeout)
    }

    /// Nothing set; private, since every public constructor sets a timeout.
    fn unset() -> Self {
        Self {
            start_to_close: None,
            schedule_to_close: None,
            schedule_to_start: None,
            heartbeat: None,
            task_queue: None,
            retry: None,
        }
    }

    /// Sets the start-to-close timeout.
    pub fn start_to_close_timeout(mut self, timeout: Duration) -> Self {
        self.start_to_close = Some(timeout);
        self
    }

    /// Sets the schedule-to-close timeout.
    pub fn schedule_to_close_timeout(mut self, timeout: Duration) -> Self {
        self.schedule_to_close = Some(timeout);
        self
    }

    /// Sets the schedule-to-start timeout: the longest the task may wait for a worker.
    pub fn schedule_to_start_timeout(mut self, timeout: Duration) -> Self {
        self.schedule_to_start = Some(timeout);
        self
    }

    /// Sets the heartbeat timeout: an attempt that does not heartbeat this often times out.
    pub fn heartbeat_timeout(mut self, timeout: Duration) -> Self {
        self.heartbeat = Some(timeout);
        self
    }

    /// Runs the activity on another task queue (the workflow's own by default).
    pub fn task_queue(mut self, task_queue: impl Into<String>) -> Self {
        self.task_queue = Some(task_queue.into());
        self
    }

    /// Sets the retry policy (the server's default policy otherwise: unlimited attempts,
    /// exponential backoff from 1 s).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }
}

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
