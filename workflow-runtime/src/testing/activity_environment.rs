//! Runs one activity outside a worker: its heartbeats are captured, the test can cancel it or
//! announce a worker shutdown, and its info (attempt, timeouts, deadline) is the test's to set.

use std::sync::{Arc, Mutex};

use serde::{Serialize, de::DeserializeOwned};
use tokio::sync::watch;

use crate::{
    activity::{
        context::{ActivityContext, ActivityInfo, CancellationReason},
        definition::{ActivityDefinition, ActivityFn, FreeActivity, MethodActivity},
    },
    error::ActivityError,
    interceptor::Headers,
    payload::{Payload, PayloadError, decode, encode},
};

/// A harness that runs an activity function or method the way a worker would, without a
/// server, as the Python SDK's `ActivityEnvironment` does.
///
/// ```
/// use std::time::Duration;
/// use workflow_runtime::{prelude::*, testing::ActivityEnvironment, CancellationReason};
///
/// #[activity]
/// async fn count_to(ctx: ActivityContext, n: u32) -> Result<u32, ActivityError> {
///     for i in 1..=n {
///         ctx.heartbeat(&i)?;
///     }
///     Ok(n)
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let env = ActivityEnvironment::new();
/// assert_eq!(env.run(count_to, 3).await.unwrap(), 3);
/// assert_eq!(env.heartbeats::<u32>().unwrap(), vec![1, 2, 3]);
///
/// env.cancel(CancellationReason::Requested);
/// let error = env.run(count_to, 3).await.unwrap_err();
/// assert!(error.is_cancelled());
/// # }
/// ```
pub struct ActivityEnvironment {
    info: ActivityInfo,
    headers: Headers,
    last_heartbeat: Vec<Payload>,
    heartbeats: Arc<Mutex<Vec<Payload>>>,
    cancel: watch::Sender<Option<CancellationReason>>,
    shutdown: watch::Sender<bool>,
}

impl std::fmt::Debug for ActivityEnvironment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActivityEnvironment")
            .field("info", &self.info)
            .field("cancelled", &*self.cancel.borrow())
            .finish_non_exhaustive()
    }
}

impl Default for ActivityEnvironment {
    fn default() -> Self {
        Self::new()
    }
}

impl ActivityEnvironment {
    /// An environment with attempt 1, no timeouts and no previous heartbeat.
    pub fn new() -> Self {
        let info = ActivityInfo {
            activity_type: "test".to_owned(),
            activity_id: "test-activity".to_owned(),
            attempt: 1,
            workflow_id: "test-workflow".to_owned(),
            workflow_run_id: "test-run".to_owned(),
            workflow_type: "TestWorkflow".to_owned(),
            namespace: "default".to_owned(),
            ..ActivityInfo::default()
        };
        Self {
            info,
            headers: Headers::new(),
            last_heartbeat: Vec::new(),
            heartbeats: Arc::default(),
            cancel: watch::channel(None).0,
            shutdown: watch::channel(false).0,
        }
    }

    /// Sets the headers the activity reads with [`ActivityContext::headers`], as a workflow
    /// and the worker's interceptors would have sent them.
    pub fn headers(mut self, headers: Headers) -> Self {
        self.headers = headers;
        self
    }

    /// Sets the info the activity sees (attempt, timeouts and start times, which give its
    /// [`deadline`](ActivityInfo::deadline)).
    pub fn info(mut self, info: ActivityInfo) -> Self {
        self.info = info;
        self
    }

    /// The details of the previous attempt's last heartbeat, as
    /// [`ActivityContext::last_heartbeat_details`] returns them, to test resuming.
    pub fn last_heartbeat<T: Serialize + ?Sized>(
        mut self,
        details: &T,
    ) -> Result<Self, PayloadError> {
        self.last_heartbeat = vec![encode(details)?];
        Ok(self)
    }

    /// The context an activity run in this environment receives.
    pub fn context(&self) -> ActivityContext {
        let heartbeats = Arc::clone(&self.heartbeats);
        ActivityContext::for_attempt(
            self.info.clone(),
            self.headers.clone(),
            self.last_heartbeat.clone(),
            Arc::new(move |details: Vec<Payload>| {
                if let Ok(mut heartbeats) = heartbeats.lock() {
                    heartbeats.extend(details);
                }
            }),
            self.cancel.subscribe(),
            self.shutdown.subscribe(),
            crate::MetricMeter::none(),
        )
    }

    /// Runs an `#[activity]` function with `input`, as a worker would (without retries).
    pub async fn run<F, Args>(
        &self,
        _activity: F,
        input: <F::Definition as ActivityDefinition>::Input,
    ) -> Result<<F::Definition as ActivityDefinition>::Output, ActivityError>
    where
        F: ActivityFn<Args>,
        F::Definition: FreeActivity,
    {
        <F::Definition as FreeActivity>::execute(self.context(), input).await
    }

    /// Runs an `#[activity]` method of an `#[activities]` struct on `receiver`.
    pub async fn run_method<F, Args>(
        &self,
        receiver: Arc<<F::Definition as MethodActivity>::Receiver>,
        _activity: F,
        input: <F::Definition as ActivityDefinition>::Input,
    ) -> Result<<F::Definition as ActivityDefinition>::Output, ActivityError>
    where
        F: ActivityFn<Args>,
        F::Definition: MethodActivity,
    {
        <F::Definition as MethodActivity>::execute(receiver, self.context(), input).await
    }

    /// The heartbeat details recorded so far, oldest first, decoded as `T`.
    pub fn heartbeats<T: DeserializeOwned>(&self) -> Result<Vec<T>, PayloadError> {
        let heartbeats = self
            .heartbeats
            .lock()
            .map(|h| h.clone())
            .unwrap_or_default();
        heartbeats.iter().map(decode).collect()
    }

    /// Cancels the running activity (and any run after it) with `reason`, as core would: its
    /// context's `cancelled()` completes and its next heartbeat returns the cancellation.
    pub fn cancel(&self, reason: CancellationReason) {
        self.cancel.send_replace(Some(reason));
    }

    /// Announces a worker shutdown: the context's `is_worker_shutdown()` turns true.
    pub fn shut_down_worker(&self) {
        self.shutdown.send_replace(true);
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;
    use crate::prelude::*;

    /// Waits for its cancellation, heartbeating its progress, and says why it stopped.
    #[activity]
    async fn wait_for_cancel(ctx: ActivityContext) -> Result<String, ActivityError> {
        ctx.heartbeat(&"waiting")?;
        ctx.cancelled().await;
        Err(
            ActivityError::cancelled().with_cause(ActivityError::non_retryable(
                "Why",
                format!("{:?}", ctx.cancellation_reason()),
            )),
        )
    }

    /// Reports the attempt, the deadline, the previous heartbeat and the shutdown flag.
    #[activity]
    async fn describe(
        ctx: ActivityContext,
    ) -> Result<(u32, Option<SystemTime>, Option<u32>, bool), ActivityError> {
        let resumed = ctx.last_heartbeat_details::<u32>().transpose()?;
        Ok((
            ctx.info().attempt,
            ctx.info().deadline(),
            resumed,
            ctx.is_worker_shutdown(),
        ))
    }

    #[tokio::test]
    async fn a_running_activity_sees_the_cancellation_and_its_reason() {
        let env = ActivityEnvironment::new();
        let (outcome, ()) = tokio::join!(env.run(wait_for_cancel, ()), async {
            tokio::task::yield_now().await;
            env.cancel(CancellationReason::Requested);
        });
        let error = outcome.expect_err("cancelled");
        assert!(error.is_cancelled());
        assert_eq!(
            env.heartbeats::<String>().ok(),
            Some(vec!["waiting".to_owned()])
        );
        let cause = error.into_failure().cause.expect("the reason as cause");
        assert_eq!(cause.message, "Some(Requested)");
    }

    #[tokio::test]
    async fn info_previous_heartbeat_and_worker_shutdown_are_the_test_s_to_set() {
        let started = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let info = ActivityInfo {
            attempt: 3,
            started_time: Some(started),
            start_to_close_timeout: Some(Duration::from_secs(60)),
            ..ActivityInfo::default()
        };
        let env = ActivityEnvironment::new()
            .info(info)
            .last_heartbeat(&41_u32)
            .expect("encodes");
        env.shut_down_worker();
        let (attempt, deadline, resumed, shutting_down) =
            env.run(describe, ()).await.expect("runs");
        assert_eq!(attempt, 3);
        assert_eq!(deadline, Some(started + Duration::from_secs(60)));
        assert_eq!(resumed, Some(41));
        assert!(shutting_down);
    }

    /// A struct of activities with a dependency.
    struct Ledger {
        prefix: String,
    }

    #[activities]
    impl Ledger {
        #[activity]
        async fn entry(&self, _ctx: ActivityContext, cents: u64) -> Result<String, ActivityError> {
            Ok(format!("{}-{cents}", self.prefix))
        }
    }

    #[tokio::test]
    async fn an_activity_method_runs_on_its_receiver() {
        let ledger = Arc::new(Ledger {
            prefix: "ledger".to_owned(),
        });
        let env = ActivityEnvironment::new();
        let entry = env
            .run_method(ledger, Ledger::entry, 12)
            .await
            .expect("runs");
        assert_eq!(entry, "ledger-12");
    }
}
