//! Activity side: the context an activity receives, and the execution of one activity task
//! (decode, run with panic isolation, report the outcome to core).

use std::{
    fmt,
    panic::AssertUnwindSafe,
    sync::Arc,
    time::{Duration, SystemTime},
};

use futures::FutureExt;
use serde::Serialize;
use temporalio_common::protos::coresdk::{
    ActivityHeartbeat, activity_result::ActivityExecutionResult, activity_task::Start,
};
use tokio::sync::watch;

use crate::{
    activation::proto_time,
    error::{ActivityError, application_failure},
    executor::panic_message,
    payload::{Payload, encode},
    registry::Registry,
};

/// Facts about the running activity attempt.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ActivityInfo {
    /// The activity type name.
    pub activity_type: String,
    /// The activity id, unique within its workflow run.
    pub activity_id: String,
    /// The attempt number, starting at 1.
    pub attempt: u32,
    /// The id of the workflow that scheduled the activity.
    pub workflow_id: String,
    /// The run id of that workflow.
    pub workflow_run_id: String,
    /// The type of that workflow.
    pub workflow_type: String,
    /// The namespace.
    pub namespace: String,
    /// The heartbeat timeout, if the workflow set one.
    pub heartbeat_timeout: Option<Duration>,
    /// When this attempt must finish (start-to-close), if set.
    pub start_to_close_timeout: Option<Duration>,
    /// When all attempts must have finished (schedule-to-close), if set.
    pub schedule_to_close_timeout: Option<Duration>,
    /// When the activity was first scheduled.
    pub scheduled_time: Option<SystemTime>,
    /// When this attempt started.
    pub started_time: Option<SystemTime>,
}

impl ActivityInfo {
    /// When this attempt times out: the earlier of start-to-close after this attempt's start
    /// and schedule-to-close after the first schedule. `None` when neither is set.
    pub fn deadline(&self) -> Option<SystemTime> {
        let attempt_end = self
            .started_time
            .zip(self.start_to_close_timeout)
            .map(|(start, timeout)| start + timeout);
        let overall_end = self
            .scheduled_time
            .zip(self.schedule_to_close_timeout)
            .map(|(scheduled, timeout)| scheduled + timeout);
        match (attempt_end, overall_end) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

type HeartbeatSink = Arc<dyn Fn(Vec<Payload>) + Send + Sync>;

/// What an activity receives: its info, heartbeats and cancellation.
#[derive(Clone)]
pub struct ActivityContext {
    info: Arc<ActivityInfo>,
    heartbeat_details: Arc<Vec<Payload>>,
    heartbeat: HeartbeatSink,
    cancelled: watch::Receiver<bool>,
    /// Keeps the channel open for detached contexts, so `cancelled()` waits forever.
    _cancel_sender: Option<Arc<watch::Sender<bool>>>,
}

impl fmt::Debug for ActivityContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActivityContext")
            .field("info", &self.info)
            .field("cancelled", &self.is_cancelled())
            .finish_non_exhaustive()
    }
}

impl ActivityContext {
    /// A context for calling an activity function directly, outside a worker (unit tests):
    /// heartbeats go nowhere and cancellation never comes.
    ///
    /// ```
    /// use workflow_runtime::{ActivityContext, ActivityInfo};
    /// let ctx = ActivityContext::detached(ActivityInfo::default());
    /// assert!(!ctx.is_cancelled());
    /// ```
    pub fn detached(info: ActivityInfo) -> Self {
        let (sender, cancelled) = watch::channel(false);
        Self {
            info: Arc::new(info),
            heartbeat_details: Arc::new(Vec::new()),
            heartbeat: Arc::new(|_| {}),
            cancelled,
            _cancel_sender: Some(Arc::new(sender)),
        }
    }

    /// Facts about this attempt.
    pub fn info(&self) -> &ActivityInfo {
        &self.info
    }

    /// Records a heartbeat with progress details (throttled and batched by core). Returns
    /// `Err(ActivityError::cancelled())` once cancellation was requested, so `?` stops the
    /// activity.
    pub fn heartbeat<T: Serialize + ?Sized>(&self, details: &T) -> Result<(), ActivityError> {
        if self.is_cancelled() {
            return Err(ActivityError::cancelled());
        }
        let payload = encode(details)?;
        (self.heartbeat)(vec![payload]);
        Ok(())
    }

    /// Decodes the details of the last heartbeat of the previous attempt, to resume work.
    pub fn last_heartbeat_details<T: serde::de::DeserializeOwned>(
        &self,
    ) -> Option<Result<T, crate::payload::PayloadError>> {
        self.heartbeat_details.first().map(crate::payload::decode)
    }

    /// Whether cancellation of this activity was requested (by the workflow, a timeout or a
    /// worker shutdown). Only activities that heartbeat learn about server-side cancellation.
    pub fn is_cancelled(&self) -> bool {
        *self.cancelled.borrow()
    }

    /// Completes when cancellation is requested.
    pub async fn cancelled(&self) {
        let mut receiver = self.cancelled.clone();
        // An error means the sender is gone: the task is over, which also means stop.
        let _ = receiver.wait_for(|cancelled| *cancelled).await;
    }
}

fn duration(d: Option<&prost_wkt_types::Duration>) -> Option<Duration> {
    let d = d?;
    Some(Duration::new(
        u64::try_from(d.seconds).ok()?,
        u32::try_from(d.nanos).ok()?,
    ))
}

/// Runs one activity task and returns the result to report. Panics fail the attempt
/// (retryable); unknown activity types fail it with the registered names.
pub(crate) async fn execute(
    registry: &Registry,
    task_token: Vec<u8>,
    start: Start,
    heartbeat: Arc<dyn Fn(ActivityHeartbeat) + Send + Sync>,
    cancelled: watch::Receiver<bool>,
) -> ActivityExecutionResult {
    let handler = match registry.activity(&start.activity_type) {
        Ok(handler) => handler,
        Err(message) => {
            tracing::warn!("{message}");
            return ActivityExecutionResult::fail(application_failure(
                "ActivityNotRegistered",
                &message,
                false,
                None,
            ));
        }
    };
    let execution = start.workflow_execution.clone().unwrap_or_default();
    let info = ActivityInfo {
        activity_type: start.activity_type.clone(),
        activity_id: start.activity_id.clone(),
        attempt: start.attempt,
        workflow_id: execution.workflow_id,
        workflow_run_id: execution.run_id,
        workflow_type: start.workflow_type.clone(),
        namespace: start.workflow_namespace.clone(),
        heartbeat_timeout: duration(start.heartbeat_timeout.as_ref()),
        start_to_close_timeout: duration(start.start_to_close_timeout.as_ref()),
        schedule_to_close_timeout: duration(start.schedule_to_close_timeout.as_ref()),
        scheduled_time: proto_time(start.scheduled_time.as_ref()),
        started_time: proto_time(start.started_time.as_ref()),
    };
    let ctx = ActivityContext {
        info: Arc::new(info),
        heartbeat_details: Arc::new(start.heartbeat_details),
        heartbeat: Arc::new(move |details| {
            heartbeat(ActivityHeartbeat {
                task_token: task_token.clone(),
                details,
            })
        }),
        cancelled: cancelled.clone(),
        _cancel_sender: None,
    };
    let outcome = AssertUnwindSafe(async move { handler(ctx, start.input).await })
        .catch_unwind()
        .await;
    match outcome {
        Ok(Ok(payload)) => ActivityExecutionResult::ok(payload),
        Ok(Err(error)) if error.is_cancelled() || *cancelled.borrow() => {
            ActivityExecutionResult::cancel(error.into_failure())
        }
        Ok(Err(error)) => ActivityExecutionResult::fail(error.into_failure()),
        Err(panic) => ActivityExecutionResult::fail(application_failure(
            "ActivityPanic",
            &format!("activity panicked: {}", panic_message(&*panic)),
            false,
            None,
        )),
    }
}
