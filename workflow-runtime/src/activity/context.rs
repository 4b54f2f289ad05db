//! What an activity receives: facts about its attempt, heartbeats and cancellation.

use std::{
    fmt,
    sync::Arc,
    time::{Duration, SystemTime},
};

use serde::Serialize;
use tokio::sync::watch;

use crate::{
    error::ActivityError,
    payload::{Payload, encode},
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

/// Where an attempt's heartbeat details go (core, or nowhere for a detached context).
pub(crate) type HeartbeatSink = Arc<dyn Fn(Vec<Payload>) + Send + Sync>;

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

    /// The context of an attempt run by a worker.
    pub(crate) fn for_attempt(
        info: ActivityInfo,
        heartbeat_details: Vec<Payload>,
        heartbeat: HeartbeatSink,
        cancelled: watch::Receiver<bool>,
    ) -> Self {
        Self {
            info: Arc::new(info),
            heartbeat_details: Arc::new(heartbeat_details),
            heartbeat,
            cancelled,
            _cancel_sender: None,
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
