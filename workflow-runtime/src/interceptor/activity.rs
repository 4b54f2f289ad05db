//! The chain an activity attempt goes through.

use std::sync::Arc;

use futures::future::BoxFuture;
use temporalio_common::protos::coresdk::activity_result::{
    ActivityExecutionResult, activity_execution_result,
};

use crate::{
    activity::context::ActivityInfo,
    error::ActivityError,
    interceptor::{Interceptor, Interceptors, headers::Headers},
};

/// One activity attempt, as interceptors see it: its info and the headers the workflow sent.
#[derive(Debug, Clone)]
pub struct ActivityAttempt {
    info: ActivityInfo,
    headers: Headers,
}

impl ActivityAttempt {
    pub(crate) fn new(info: ActivityInfo, headers: Headers) -> Self {
        Self { info, headers }
    }

    /// The attempt's info: activity type and id, attempt number, workflow, timeouts.
    pub fn info(&self) -> &ActivityInfo {
        &self.info
    }

    /// The headers the workflow sent with the activity.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The headers, to change what the activity reads with
    /// [`ActivityContext::headers`](crate::ActivityContext::headers).
    pub fn headers_mut(&mut self) -> &mut Headers {
        &mut self.headers
    }

    pub(crate) fn into_parts(self) -> (ActivityInfo, Headers) {
        (self.info, self.headers)
    }
}

/// How an activity attempt ended, as reported to the server.
pub struct ActivityOutcome(ActivityExecutionResult);

impl ActivityOutcome {
    pub(crate) fn new(result: ActivityExecutionResult) -> Self {
        Self(result)
    }

    /// An attempt that failed with `error` without running: an interceptor's refusal. The
    /// server retries it as the activity's retry policy says, unless the error is
    /// non-retryable.
    pub fn failed(error: ActivityError) -> Self {
        Self(ActivityExecutionResult::fail(error.into_failure()))
    }

    pub(crate) fn into_result(self) -> ActivityExecutionResult {
        self.0
    }

    /// Whether the activity returned a value.
    pub fn succeeded(&self) -> bool {
        matches!(
            self.0.status,
            Some(activity_execution_result::Status::Completed(_))
        )
    }

    /// Whether the attempt ended cancelled.
    pub fn cancelled(&self) -> bool {
        matches!(
            self.0.status,
            Some(activity_execution_result::Status::Cancelled(_))
        )
    }

    /// Whether the activity returned
    /// [`ActivityError::complete_async`](crate::ActivityError::complete_async): a client
    /// completes it later.
    pub fn completes_later(&self) -> bool {
        matches!(
            self.0.status,
            Some(activity_execution_result::Status::WillCompleteAsync(_))
        )
    }

    /// The failure's message, when the attempt failed (an error or a panic).
    pub fn failure_message(&self) -> Option<&str> {
        match &self.0.status {
            Some(activity_execution_result::Status::Failed(failed)) => failed
                .failure
                .as_ref()
                .map(|failure| failure.message.as_str()),
            _ => None,
        }
    }
}

impl std::fmt::Debug for ActivityOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let outcome = if self.succeeded() {
            "succeeded"
        } else if self.cancelled() {
            "cancelled"
        } else if self.completes_later() {
            "completes later"
        } else {
            "failed"
        };
        write!(f, "ActivityOutcome({outcome})")
    }
}

type RunAttempt<'a> =
    Box<dyn FnOnce(ActivityAttempt) -> BoxFuture<'a, ActivityOutcome> + Send + 'a>;

/// The rest of the chain: the interceptors after this one, then the activity itself.
pub struct ActivityNext<'a> {
    rest: &'a [Arc<dyn Interceptor>],
    run: RunAttempt<'a>,
}

impl<'a> ActivityNext<'a> {
    /// Runs the rest of the chain and the activity with `attempt`.
    pub fn run(self, attempt: ActivityAttempt) -> BoxFuture<'a, ActivityOutcome> {
        match self.rest.split_first() {
            Some((first, rest)) => first.activity_attempt(
                attempt,
                ActivityNext {
                    rest,
                    run: self.run,
                },
            ),
            None => (self.run)(attempt),
        }
    }
}

impl std::fmt::Debug for ActivityNext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ActivityNext({} interceptor(s) to go)", self.rest.len())
    }
}

/// Runs `attempt` through the interceptors, then `run`, the activity itself.
pub(crate) async fn intercept_activity<'a>(
    interceptors: &'a Interceptors,
    attempt: ActivityAttempt,
    run: impl FnOnce(ActivityAttempt) -> BoxFuture<'a, ActivityOutcome> + Send + 'a,
) -> ActivityOutcome {
    ActivityNext {
        rest: interceptors.as_slice(),
        run: Box::new(run),
    }
    .run(attempt)
    .await
}
