//! What an activity receives: facts about its attempt, heartbeats and cancellation.

use std::{
    fmt,
    sync::Arc,
    time::{Duration, SystemTime},
};

use serde::Serialize;
use tokio::sync::watch;

use crate::interceptor::headers::Headers;
use crate::metrics::MetricMeter;
use crate::{
    error::ActivityError,
    payload::{Payload, encode},
};

/// The server's handle on one activity attempt: what a client needs to complete, fail,
/// cancel or heartbeat an activity that returned
/// [`ActivityError::complete_async`](crate::ActivityError::complete_async). Opaque bytes,
/// which may be stored and sent to another process.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct TaskToken(Vec<u8>);

impl TaskToken {
    /// A token from its bytes (as [`as_bytes`](Self::as_bytes) gave them).
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }

    /// The token's bytes, to store or send.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// Shows the length only: the token completes the activity, so it stays out of logs.
impl fmt::Debug for TaskToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TaskToken({} bytes)", self.0.len())
    }
}

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
    /// Whether this is a local activity, run by the worker that runs its workflow
    /// ([`WorkflowContext::local_activity`](crate::WorkflowContext::local_activity)).
    pub is_local: bool,
    /// The attempt's task token, which completes it later from a client
    /// ([`Client::async_activity`](crate::Client::async_activity)).
    pub task_token: TaskToken,
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

/// Why an activity attempt was asked to stop: [`ActivityContext::cancellation_reason`].
///
/// The reasons are core's, as every SDK on Temporal's core reports them (Python's
/// `activity.cancellation_details()`, TypeScript's `Context.cancellationDetails`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CancellationReason {
    /// Cancellation was requested: the workflow cancelled the activity, or the workflow was
    /// cancelled or ended. Report it with `Err(ActivityError::cancelled())`.
    Requested,
    /// The worker is shutting down and its graceful shutdown period
    /// ([`Worker::graceful_shutdown_period`](crate::Worker::graceful_shutdown_period)) is over.
    /// However the attempt then ends, except with a success, core reports it as a retryable
    /// `WorkerShutdown` failure, so the retry policy runs it again on another worker.
    WorkerShutdown,
    /// The attempt's start-to-close or heartbeat timeout passed (the worker noticed it before
    /// the server did); the server retries by the retry policy.
    TimedOut,
    /// The server no longer knows this attempt: it timed out, was completed elsewhere, or its
    /// workflow is gone.
    NotFound,
    /// The activity was paused (for example with `temporal activity pause`).
    Paused,
    /// The activity was reset (for example with `temporal activity reset`).
    Reset,
}

impl CancellationReason {
    /// The reason core gives in an activity `Cancel` task (`ActivityCancelReason`).
    pub(crate) fn from_core(reason: i32) -> Self {
        use temporalio_common::protos::coresdk::activity_task::ActivityCancelReason as Core;
        match Core::try_from(reason) {
            Ok(Core::WorkerShutdown) => Self::WorkerShutdown,
            Ok(Core::TimedOut) => Self::TimedOut,
            Ok(Core::NotFound) => Self::NotFound,
            Ok(Core::Paused) => Self::Paused,
            Ok(Core::Reset) => Self::Reset,
            // A reason this version does not know is still a request to stop.
            Ok(Core::Cancelled) | Err(_) => Self::Requested,
        }
    }
}

/// The cancellation state of one attempt: `None` until cancellation arrives.
pub(crate) type CancelState = watch::Receiver<Option<CancellationReason>>;

/// What an activity receives: its info, heartbeats, cancellation and worker shutdown.
#[derive(Clone)]
pub struct ActivityContext {
    info: Arc<ActivityInfo>,
    headers: Arc<Headers>,
    heartbeat_details: Arc<Vec<Payload>>,
    heartbeat: HeartbeatSink,
    cancelled: CancelState,
    worker_shutdown: watch::Receiver<bool>,
    metrics: MetricMeter,
    /// Keeps the channels open for detached contexts, so `cancelled()` and
    /// `worker_shutdown()` wait forever.
    _detached_senders: Option<Arc<DetachedSenders>>,
}

struct DetachedSenders {
    _cancel: watch::Sender<Option<CancellationReason>>,
    _shutdown: watch::Sender<bool>,
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
        let (cancel, cancelled) = watch::channel(None);
        let (shutdown, worker_shutdown) = watch::channel(false);
        Self {
            info: Arc::new(info),
            headers: Arc::default(),
            heartbeat_details: Arc::new(Vec::new()),
            heartbeat: Arc::new(|_| {}),
            cancelled,
            worker_shutdown,
            metrics: MetricMeter::none(),
            _detached_senders: Some(Arc::new(DetachedSenders {
                _cancel: cancel,
                _shutdown: shutdown,
            })),
        }
    }

    /// The context of an attempt run by a worker.
    pub(crate) fn for_attempt(
        info: ActivityInfo,
        headers: Headers,
        heartbeat_details: Vec<Payload>,
        heartbeat: HeartbeatSink,
        cancelled: CancelState,
        worker_shutdown: watch::Receiver<bool>,
        metrics: MetricMeter,
    ) -> Self {
        Self {
            info: Arc::new(info),
            headers: Arc::new(headers),
            heartbeat_details: Arc::new(heartbeat_details),
            heartbeat,
            cancelled,
            worker_shutdown,
            metrics,
            _detached_senders: None,
        }
    }

    /// Records metrics labelled with this activity's namespace, task queue, activity type and
    /// workflow type, on the [`Telemetry`](crate::Telemetry) of the worker's client (nothing
    /// without one).
    pub fn metric_meter(&self) -> &MetricMeter {
        &self.metrics
    }

    /// Facts about this attempt.
    pub fn info(&self) -> &ActivityInfo {
        &self.info
    }

    /// The headers the workflow sent with this activity (as the worker's interceptors left
    /// them); empty for a detached context.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// Records a heartbeat with progress details (throttled and batched by core). Returns
    /// `Err(ActivityError::cancelled())` once cancellation was requested, so `?` stops the
    /// activity.
    /// In a local activity it only does the latter: core keeps no heartbeats for local
    /// activities, whose cancellation reaches them without one.
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

    /// Whether this attempt was asked to stop, for any [`CancellationReason`]: the workflow,
    /// a timeout, or the end of a worker's graceful shutdown period. Only activities that
    /// heartbeat learn about cancellation the server requests.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.borrow().is_some()
    }

    /// Why this attempt was asked to stop, or `None` while it was not. Tells a worker shutdown
    /// ([`CancellationReason::WorkerShutdown`]) from a cancellation the workflow requested
    /// ([`CancellationReason::Requested`]).
    ///
    /// ```
    /// use workflow_runtime::{ActivityContext, ActivityInfo};
    /// let ctx = ActivityContext::detached(ActivityInfo::default());
    /// assert_eq!(ctx.cancellation_reason(), None);
    /// ```
    pub fn cancellation_reason(&self) -> Option<CancellationReason> {
        *self.cancelled.borrow()
    }

    /// Completes when this attempt is asked to stop; then
    /// [`cancellation_reason`](Self::cancellation_reason) says why.
    pub async fn cancelled(&self) {
        let mut receiver = self.cancelled.clone();
        // An error means the sender is gone: the task is over, which also means stop.
        let _ = receiver.wait_for(Option::is_some).await;
    }

    /// Whether the worker running this attempt is shutting down. It turns true as soon as
    /// shutdown is requested, before the graceful shutdown period ends and the attempt is
    /// cancelled, so an activity can checkpoint (heartbeat its progress) or finish early.
    /// Like Python's `activity.is_worker_shutdown()` and Go's `activity.GetWorkerStopChannel`.
    pub fn is_worker_shutdown(&self) -> bool {
        *self.worker_shutdown.borrow()
    }

    /// Completes when the worker running this attempt starts shutting down (see
    /// [`is_worker_shutdown`](Self::is_worker_shutdown)); never for a detached context.
    pub async fn worker_shutdown(&self) {
        let mut receiver = self.worker_shutdown.clone();
        // The sender lives as long as the worker's run; gone means the worker is stopping.
        let _ = receiver.wait_for(|shutting_down| *shutting_down).await;
    }
}

#[cfg(test)]
mod tests {
    use temporalio_common::protos::coresdk::activity_task::ActivityCancelReason as Core;

    use super::*;

    #[test]
    fn core_s_cancel_reasons_map_one_to_one_and_unknown_ones_are_requests() {
        for (core, ours) in [
            (Core::NotFound, CancellationReason::NotFound),
            (Core::Cancelled, CancellationReason::Requested),
            (Core::TimedOut, CancellationReason::TimedOut),
            (Core::WorkerShutdown, CancellationReason::WorkerShutdown),
            (Core::Paused, CancellationReason::Paused),
            (Core::Reset, CancellationReason::Reset),
        ] {
            assert_eq!(CancellationReason::from_core(core as i32), ours);
        }
        assert_eq!(
            CancellationReason::from_core(99),
            CancellationReason::Requested
        );
    }

    #[test]
    fn a_detached_context_is_never_cancelled_nor_shutting_down() {
        let ctx = ActivityContext::detached(ActivityInfo::default());
        assert!(!ctx.is_cancelled());
        assert_eq!(ctx.cancellation_reason(), None);
        assert!(!ctx.is_worker_shutdown());
        use futures::FutureExt;
        assert!(ctx.worker_shutdown().now_or_never().is_none());
        assert!(ctx.cancelled().now_or_never().is_none());
    }
}
