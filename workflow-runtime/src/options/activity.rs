//! Activity and local activity options, and the commands they build.

use std::time::Duration;

use temporalio_common::protos::{
    coresdk::workflow_commands::{
        ActivityCancellationType, ScheduleActivity, ScheduleLocalActivity,
    },
    temporal::api::common::v1::Payload,
};

use crate::{convert::proto_duration, options::RetryPolicy};

/// The constructors and setters of the two timeouts Temporal requires one of, shared by
/// [`ActivityOptions`] and [`LocalActivityOptions`] (fields `start_to_close` and
/// `schedule_to_close`; an `unset()` that sets neither).
macro_rules! timeout_setters {
    () => {
        /// Options with a start-to-close timeout: the longest one attempt may run.
        pub fn start_to_close(timeout: Duration) -> Self {
            Self::unset().start_to_close_timeout(timeout)
        }

        /// Options with a schedule-to-close timeout: the longest all attempts together may
        /// take.
        pub fn schedule_to_close(timeout: Duration) -> Self {
            Self::unset().schedule_to_close_timeout(timeout)
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
    };
}

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
    pub(crate) cancellation: ActivityCancellation,
    pub(crate) eager: bool,
}

/// What cancelling an activity does, and when the workflow's await of it returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ActivityCancellation {
    /// Ask the server to cancel the activity and return the cancellation to the workflow at
    /// once, without waiting for the activity to acknowledge it. The default, as in the other
    /// SDKs.
    #[default]
    TryCancel,
    /// Ask the server to cancel the activity and wait until the activity reports that it
    /// stopped (it must heartbeat to hear of it).
    WaitCancellationCompleted,
    /// Do not tell the activity; return the cancellation to the workflow at once. The activity
    /// runs on and its outcome is ignored.
    Abandon,
}

impl ActivityCancellation {
    pub(crate) fn to_proto(self) -> ActivityCancellationType {
        match self {
            ActivityCancellation::TryCancel => ActivityCancellationType::TryCancel,
            ActivityCancellation::WaitCancellationCompleted => {
                ActivityCancellationType::WaitCancellationCompleted
            }
            ActivityCancellation::Abandon => ActivityCancellationType::Abandon,
        }
    }
}

impl ActivityOptions {
    timeout_setters!();

    /// Nothing set; private, since every public constructor sets a timeout.
    fn unset() -> Self {
        Self {
            start_to_close: None,
            schedule_to_close: None,
            schedule_to_start: None,
            heartbeat: None,
            task_queue: None,
            retry: None,
            cancellation: ActivityCancellation::default(),
            eager: true,
        }
    }

    /// Sets what cancelling the activity does ([`ActivityCancellation::TryCancel`] by default).
    pub fn cancellation(mut self, cancellation: ActivityCancellation) -> Self {
        self.cancellation = cancellation;
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

    /// Never starts this activity eagerly on the worker that scheduled it: it always goes
    /// through the task queue (see [`Worker::eager_activity_execution`](crate::Worker::eager_activity_execution)).
    pub fn disable_eager_execution(mut self) -> Self {
        self.eager = false;
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

/// How a local activity runs: timeouts, retry policy, and how long core retries it within one
/// workflow task before it backs off with a durable timer.
///
/// A local activity runs on the worker that runs the workflow, without a round trip to the
/// server per attempt; its result is recorded in the history as a marker. Like
/// [`ActivityOptions`], options are built from a start-to-close or a schedule-to-close
/// timeout.
///
/// ```
/// use std::time::Duration;
/// use workflow_runtime::{LocalActivityOptions, RetryPolicy};
/// let options = LocalActivityOptions::start_to_close(Duration::from_secs(5))
///     .retry(RetryPolicy::exponential().maximum_attempts(10))
///     .local_retry_threshold(Duration::from_secs(30));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LocalActivityOptions {
    start_to_close: Option<Duration>,
    schedule_to_close: Option<Duration>,
    schedule_to_start: Option<Duration>,
    retry: Option<RetryPolicy>,
    local_retry_threshold: Option<Duration>,
    cancellation: ActivityCancellation,
}

impl LocalActivityOptions {
    timeout_setters!();

    fn unset() -> Self {
        Self {
            start_to_close: None,
            schedule_to_close: None,
            schedule_to_start: None,
            retry: None,
            local_retry_threshold: None,
            cancellation: ActivityCancellation::default(),
        }
    }

    /// Sets the schedule-to-start timeout: the longest the activity may wait for a free local
    /// activity slot on the worker. Never retried.
    pub fn schedule_to_start_timeout(mut self, timeout: Duration) -> Self {
        self.schedule_to_start = Some(timeout);
        self
    }

    /// Sets the retry policy (by default core retries without limit, exponential backoff
    /// from 1 s, as for activities).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Sets the longest backoff core waits out within the workflow task (default 1 minute):
    /// a retry that must wait longer is run after a durable timer instead, so the worker need
    /// not stay up for it and the history records the wait.
    pub fn local_retry_threshold(mut self, threshold: Duration) -> Self {
        self.local_retry_threshold = Some(threshold);
        self
    }

    /// Sets what cancelling the local activity does ([`ActivityCancellation::TryCancel`] by
    /// default, as in the Python SDK). A local activity hears of its cancellation without
    /// heartbeating.
    pub fn cancellation(mut self, cancellation: ActivityCancellation) -> Self {
        self.cancellation = cancellation;
        self
    }

    /// The command that schedules attempt `attempt` of local activity `seq` (1 unless core
    /// asked for a backoff timer, which also gives the first attempt's schedule time). Its
    /// id is its sequence number, as the other SDKs number it.
    pub(crate) fn schedule_command(
        &self,
        seq: u32,
        activity_type: &str,
        arguments: Vec<Payload>,
        retry: Option<(u32, prost_wkt_types::Timestamp)>,
    ) -> ScheduleLocalActivity {
        let (attempt, original_schedule_time) = match retry {
            Some((attempt, scheduled)) => (attempt, Some(scheduled)),
            None => (1, None),
        };
        ScheduleLocalActivity {
            seq,
            activity_id: seq.to_string(),
            activity_type: activity_type.to_owned(),
            attempt,
            original_schedule_time,
            arguments,
            schedule_to_close_timeout: self.schedule_to_close.map(proto_duration),
            schedule_to_start_timeout: self.schedule_to_start.map(proto_duration),
            start_to_close_timeout: self.start_to_close.map(proto_duration),
            retry_policy: self.retry.as_ref().map(RetryPolicy::to_proto),
            local_retry_threshold: self.local_retry_threshold.map(proto_duration),
            cancellation_type: self.cancellation.to_proto() as i32,
            ..Default::default()
        }
    }
}

impl ActivityOptions {
    /// The command that schedules activity `activity_type` as call `seq`, on this options'
    /// task queue or else the workflow's.
    pub(crate) fn schedule_command(
        self,
        seq: u32,
        activity_type: &str,
        arguments: Vec<Payload>,
        workflow_task_queue: &str,
    ) -> ScheduleActivity {
        ScheduleActivity {
            seq,
            activity_id: seq.to_string(),
            activity_type: activity_type.to_owned(),
            task_queue: self
                .task_queue
                .unwrap_or_else(|| workflow_task_queue.to_owned()),
            arguments,
            schedule_to_close_timeout: self.schedule_to_close.map(proto_duration),
            schedule_to_start_timeout: self.schedule_to_start.map(proto_duration),
            start_to_close_timeout: self.start_to_close.map(proto_duration),
            heartbeat_timeout: self.heartbeat.map(proto_duration),
            retry_policy: self.retry.as_ref().map(RetryPolicy::to_proto),
            cancellation_type: self.cancellation.to_proto() as i32,
            do_not_eagerly_execute: !self.eager,
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use temporalio_common::protos::coresdk::workflow_commands::ActivityCancellationType;

    #[test]
    fn every_local_activity_option_reaches_its_command() {
        let options = LocalActivityOptions::schedule_to_close(Duration::from_secs(60))
            .start_to_close_timeout(Duration::from_secs(5))
            .schedule_to_start_timeout(Duration::from_secs(2))
            .retry(RetryPolicy::exponential().maximum_attempts(4))
            .local_retry_threshold(Duration::from_secs(30))
            .cancellation(ActivityCancellation::Abandon);
        let first = options.schedule_command(3, "fx_rate", Vec::new(), None);
        assert_eq!((first.seq, first.activity_id.as_str()), (3, "3"));
        assert_eq!((first.attempt, first.original_schedule_time), (1, None));
        assert_eq!(
            first.schedule_to_close_timeout,
            Some(proto_duration(Duration::from_secs(60)))
        );
        assert_eq!(
            first.start_to_close_timeout,
            Some(proto_duration(Duration::from_secs(5)))
        );
        assert_eq!(
            first.schedule_to_start_timeout,
            Some(proto_duration(Duration::from_secs(2)))
        );
        assert_eq!(
            first.local_retry_threshold,
            Some(proto_duration(Duration::from_secs(30)))
        );
        assert_eq!(
            first.retry_policy.map(|policy| policy.maximum_attempts),
            Some(4)
        );
        assert_eq!(
            first.cancellation_type,
            ActivityCancellationType::Abandon as i32
        );

        let scheduled = prost_wkt_types::Timestamp {
            seconds: 9,
            nanos: 0,
        };
        let retry = options.schedule_command(5, "fx_rate", Vec::new(), Some((4, scheduled)));
        assert_eq!(retry.attempt, 4);
        assert_eq!(retry.original_schedule_time.map(|t| t.seconds), Some(9));
    }
}
