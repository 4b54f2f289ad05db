//! Options for activities, child workflows, continue-as-new and retries, mapped one to one
//! onto Temporal's command fields. Anything left unset stays unset on the wire, so the server's
//! defaults apply.

use std::time::Duration;

use temporalio_common::protos::{
    coresdk::{
        child_workflow::{
            ChildWorkflowCancellationType, ParentClosePolicy as ParentClosePolicyProto,
        },
        workflow_commands::{
            ActivityCancellationType, ContinueAsNewWorkflowExecution, ScheduleActivity,
            ScheduleLocalActivity, StartChildWorkflowExecution,
        },
    },
    temporal::api::{
        common::v1::{Payload, RetryPolicy as RetryPolicyProto},
        enums::v1::{
            WorkflowIdConflictPolicy as WorkflowIdConflictPolicyProto,
            WorkflowIdReusePolicy as WorkflowIdReusePolicyProto,
        },
    },
};

use crate::{
    attributes::{Memo, SearchAttributes},
    convert::proto_duration,
};

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
            cancellation: ActivityCancellation::default(),
            eager: true,
        }
    }

    /// Sets what cancelling the activity does ([`ActivityCancellation::TryCancel`] by default).
    pub fn cancellation(mut self, cancellation: ActivityCancellation) -> Self {
        self.cancellation = cancellation;
        self
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
    /// Options with a start-to-close timeout: the longest one attempt may run.
    pub fn start_to_close(timeout: Duration) -> Self {
        Self::unset().start_to_close_timeout(timeout)
    }

    /// Options with a schedule-to-close timeout: the longest all attempts together may take.
    pub fn schedule_to_close(timeout: Duration) -> Self {
        Self::unset().schedule_to_close_timeout(timeout)
    }

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

/// What cancelling a child workflow does, and when the parent's await of it returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChildCancellation {
    /// Ask the server to cancel the child and wait until the child has ended (cancelled, or
    /// completed regardless). The default, as in the other SDKs.
    #[default]
    WaitCancellationCompleted,
    /// Ask the server to cancel the child and wait until the request is recorded in the
    /// child's history.
    WaitCancellationRequested,
    /// Ask the server to cancel the child and return the cancellation at once.
    TryCancel,
    /// Do not tell the child; return the cancellation at once. The child runs on.
    Abandon,
}

impl ChildCancellation {
    pub(crate) fn to_proto(self) -> ChildWorkflowCancellationType {
        match self {
            ChildCancellation::WaitCancellationCompleted => {
                ChildWorkflowCancellationType::WaitCancellationCompleted
            }
            ChildCancellation::WaitCancellationRequested => {
                ChildWorkflowCancellationType::WaitCancellationRequested
            }
            ChildCancellation::TryCancel => ChildWorkflowCancellationType::TryCancel,
            ChildCancellation::Abandon => ChildWorkflowCancellationType::Abandon,
        }
    }
}

/// What happens to a child workflow when its parent closes (completes, fails, is cancelled or
/// continues as new).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ParentClosePolicy {
    /// The child is terminated. The server's default.
    #[default]
    Terminate,
    /// The child is asked to cancel.
    RequestCancel,
    /// The child runs on.
    Abandon,
}

impl ParentClosePolicy {
    fn to_proto(self) -> ParentClosePolicyProto {
        match self {
            ParentClosePolicy::Terminate => ParentClosePolicyProto::Terminate,
            ParentClosePolicy::RequestCancel => ParentClosePolicyProto::RequestCancel,
            ParentClosePolicy::Abandon => ParentClosePolicyProto::Abandon,
        }
    }
}

/// Whether a new workflow may reuse the id of a closed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WorkflowIdReusePolicy {
    /// Any closed workflow's id may be reused. The server's default.
    #[default]
    AllowDuplicate,
    /// Only the id of a workflow that failed, was cancelled, terminated or timed out.
    AllowDuplicateFailedOnly,
    /// Never reuse an id.
    RejectDuplicate,
}

/// What a start does when a workflow with the same id is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WorkflowIdConflictPolicy {
    /// The start fails with [`ClientError::AlreadyStarted`](crate::ClientError::AlreadyStarted),
    /// which names the running run. The server's default.
    Fail,
    /// The start returns a handle to the running run instead of starting another.
    UseExisting,
    /// The running run is terminated and a new one starts.
    TerminateExisting,
}

impl WorkflowIdConflictPolicy {
    pub(crate) fn to_proto(self) -> WorkflowIdConflictPolicyProto {
        match self {
            Self::Fail => WorkflowIdConflictPolicyProto::Fail,
            Self::UseExisting => WorkflowIdConflictPolicyProto::UseExisting,
            Self::TerminateExisting => WorkflowIdConflictPolicyProto::TerminateExisting,
        }
    }
}

impl WorkflowIdReusePolicy {
    pub(crate) fn to_proto(self) -> WorkflowIdReusePolicyProto {
        match self {
            WorkflowIdReusePolicy::AllowDuplicate => WorkflowIdReusePolicyProto::AllowDuplicate,
            WorkflowIdReusePolicy::AllowDuplicateFailedOnly => {
                WorkflowIdReusePolicyProto::AllowDuplicateFailedOnly
            }
            WorkflowIdReusePolicy::RejectDuplicate => WorkflowIdReusePolicyProto::RejectDuplicate,
        }
    }
}

/// What every way of starting a run takes (a client's start, a child, continue-as-new): one
/// set of fields and one set of setters, `run_setters!`, for the three options types.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RunSettings {
    pub(crate) execution_timeout: Option<Duration>,
    pub(crate) run_timeout: Option<Duration>,
    pub(crate) task_timeout: Option<Duration>,
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) memo: Option<Memo>,
    pub(crate) search_attributes: Option<SearchAttributes>,
    /// The UI's one-line summary of a first run (a start or a child).
    pub(crate) summary: Option<String>,
    /// The UI's details of a first run (Markdown).
    pub(crate) details: Option<String>,
}

impl RunSettings {
    /// The summary and details as the UI reads them, each a `json/plain` string as the
    /// official SDKs write it; unset when neither is.
    pub(crate) fn user_metadata(
        &self,
    ) -> Option<temporalio_common::protos::temporal::api::sdk::v1::UserMetadata> {
        let text = |text: &Option<String>| {
            text.as_deref()
                .and_then(|text| crate::payload::encode(text).ok())
        };
        (self.summary.is_some() || self.details.is_some()).then(|| {
            temporalio_common::protos::temporal::api::sdk::v1::UserMetadata {
                summary: text(&self.summary),
                details: text(&self.details),
            }
        })
    }

    /// The memo as a start request carries it: unset when empty.
    pub(crate) fn memo_proto(
        &self,
    ) -> Option<temporalio_common::protos::temporal::api::common::v1::Memo> {
        self.memo
            .as_ref()
            .filter(|memo| !memo.is_empty())
            .map(Memo::to_proto)
    }

    /// The search attributes as a start request carries them: unset when empty.
    pub(crate) fn search_attributes_proto(
        &self,
    ) -> Option<temporalio_common::protos::temporal::api::common::v1::SearchAttributes> {
        self.search_attributes
            .as_ref()
            .filter(|attributes| !attributes.is_empty())
            .map(SearchAttributes::to_proto)
    }
}

/// The setters of [`RunSettings`], in the impl of an options type with a `run` field. The
/// `first run` form (a start, a child) adds the execution timeout, which continue-as-new
/// keeps, and the UI's summary and details, which belong to the first run.
macro_rules! run_setters {
    () => {
        /// Limits one run of the workflow.
        pub fn run_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.run.run_timeout = Some(timeout);
            self
        }

        /// Limits one workflow task (the server's default is 10 s).
        pub fn task_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.run.task_timeout = Some(timeout);
            self
        }

        /// Retries the workflow as a whole when it fails (not retried by default).
        pub fn retry(mut self, policy: $crate::RetryPolicy) -> Self {
            self.run.retry = Some(policy);
            self
        }

        /// Stores a memo with the run, returned by list and describe. A continued run keeps
        /// the current memo, upserts included, unless this replaces it.
        pub fn memo(mut self, memo: $crate::Memo) -> Self {
            self.run.memo = Some(memo);
            self
        }

        /// Tags the run with search attributes, each registered with the server, to find it
        /// with a visibility query. A continued run keeps the current ones, upserts included,
        /// unless this replaces them.
        pub fn search_attributes(mut self, attributes: $crate::SearchAttributes) -> Self {
            self.run.search_attributes = Some(attributes);
            self
        }
    };
    (first run) => {
        $crate::options::run_setters!();

        /// Limits the whole execution, retries and continue-as-new included.
        pub fn execution_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.run.execution_timeout = Some(timeout);
            self
        }

        /// A one-line summary the Temporal UI shows with the run (fixed at start).
        pub fn static_summary(mut self, summary: impl Into<String>) -> Self {
            self.run.summary = Some(summary.into());
            self
        }

        /// Longer details the Temporal UI shows with the run (fixed at start; Markdown).
        pub fn static_details(mut self, details: impl Into<String>) -> Self {
            self.run.details = Some(details.into());
            self
        }
    };
}
pub(crate) use run_setters;

/// How a child workflow is started. Everything is optional: the child gets a deterministic
/// random workflow id, the parent's task queue and the server's defaults.
///
/// ```
/// use std::time::Duration;
/// use workflow_runtime::{ChildCancellation, ChildWorkflowOptions, ParentClosePolicy};
/// let options = ChildWorkflowOptions::new()
///     .workflow_id("order-42-shipping")
///     .execution_timeout(Duration::from_secs(3600))
///     .parent_close_policy(ParentClosePolicy::Abandon)
///     .cancellation(ChildCancellation::TryCancel);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChildWorkflowOptions {
    pub(crate) workflow_id: Option<String>,
    pub(crate) task_queue: Option<String>,
    pub(crate) run: RunSettings,
    pub(crate) parent_close_policy: ParentClosePolicy,
    pub(crate) cancellation: ChildCancellation,
    pub(crate) id_reuse_policy: WorkflowIdReusePolicy,
}

impl ChildWorkflowOptions {
    /// Default options.
    pub fn new() -> Self {
        Self::default()
    }

    /// The child's workflow id (a deterministic random UUID by default).
    pub fn workflow_id(mut self, workflow_id: impl Into<String>) -> Self {
        self.workflow_id = Some(workflow_id.into());
        self
    }

    /// Runs the child on another task queue (the parent's by default).
    pub fn task_queue(mut self, task_queue: impl Into<String>) -> Self {
        self.task_queue = Some(task_queue.into());
        self
    }

    run_setters!(first run);

    /// What happens to the child when the parent closes ([`ParentClosePolicy::Terminate`] by
    /// default).
    pub fn parent_close_policy(mut self, policy: ParentClosePolicy) -> Self {
        self.parent_close_policy = policy;
        self
    }

    /// What cancelling the child does ([`ChildCancellation::WaitCancellationCompleted`] by
    /// default).
    pub fn cancellation(mut self, cancellation: ChildCancellation) -> Self {
        self.cancellation = cancellation;
        self
    }

    /// Whether the child may reuse the id of a closed workflow.
    pub fn id_reuse_policy(mut self, policy: WorkflowIdReusePolicy) -> Self {
        self.id_reuse_policy = policy;
        self
    }

    pub(crate) fn parent_close_policy_proto(&self) -> i32 {
        self.parent_close_policy.to_proto() as i32
    }

    pub(crate) fn id_reuse_policy_proto(&self) -> i32 {
        self.id_reuse_policy.to_proto() as i32
    }
}

/// How the next run starts when a workflow continues as new. Unset fields carry over from the
/// current run (task queue, timeouts, memo and search attributes).
///
/// ```
/// use workflow_runtime::ContinueAsNewOptions;
/// let options = ContinueAsNewOptions::new().task_queue("reminders-v2");
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContinueAsNewOptions {
    pub(crate) task_queue: Option<String>,
    pub(crate) run: RunSettings,
}

impl ContinueAsNewOptions {
    /// Options that change nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves the next run to another task queue.
    pub fn task_queue(mut self, task_queue: impl Into<String>) -> Self {
        self.task_queue = Some(task_queue.into());
        self
    }

    run_setters!();
}

// The commands each options type builds: every field of the options reaches its command here,
// in one place per type.

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

/// Where a child workflow starts when its options do not say.
pub(crate) struct ChildDefaults<'a> {
    pub(crate) namespace: &'a str,
    pub(crate) task_queue: &'a str,
}

impl ChildWorkflowOptions {
    /// The command that starts child `workflow_type` as child `seq`.
    pub(crate) fn start_command(
        &self,
        seq: u32,
        workflow_id: String,
        workflow_type: &str,
        input: Vec<Payload>,
        defaults: ChildDefaults<'_>,
    ) -> StartChildWorkflowExecution {
        StartChildWorkflowExecution {
            seq,
            namespace: defaults.namespace.to_owned(),
            workflow_id,
            workflow_type: workflow_type.to_owned(),
            task_queue: self
                .task_queue
                .clone()
                .unwrap_or_else(|| defaults.task_queue.to_owned()),
            input,
            workflow_execution_timeout: self.run.execution_timeout.map(proto_duration),
            workflow_run_timeout: self.run.run_timeout.map(proto_duration),
            workflow_task_timeout: self.run.task_timeout.map(proto_duration),
            parent_close_policy: self.parent_close_policy_proto(),
            workflow_id_reuse_policy: self.id_reuse_policy_proto(),
            retry_policy: self.run.retry.as_ref().map(RetryPolicy::to_proto),
            memo: self.run.memo.as_ref().map(Memo::fields).unwrap_or_default(),
            search_attributes: self.run.search_attributes_proto(),
            cancellation_type: self.cancellation.to_proto() as i32,
            ..Default::default()
        }
    }
}

impl ContinueAsNewOptions {
    /// The command that ends the run and starts the next one of `workflow_type`; unset
    /// options carry over from this run. The memo and search attributes carry over as this
    /// run holds them now, upserts included (`current`), as the official SDKs carry them.
    pub(crate) fn command(
        &self,
        workflow_type: &str,
        arguments: Vec<Payload>,
        current: (&Memo, &SearchAttributes),
    ) -> ContinueAsNewWorkflowExecution {
        let (memo, search_attributes) = current;
        let memo = self.run.memo.as_ref().unwrap_or(memo);
        let search_attributes = self
            .run
            .search_attributes
            .as_ref()
            .unwrap_or(search_attributes);
        ContinueAsNewWorkflowExecution {
            workflow_type: workflow_type.to_owned(),
            task_queue: self.task_queue.clone().unwrap_or_default(),
            arguments,
            workflow_run_timeout: self.run.run_timeout.map(proto_duration),
            workflow_task_timeout: self.run.task_timeout.map(proto_duration),
            memo: memo.fields(),
            search_attributes: (!search_attributes.is_empty())
                .then(|| search_attributes.to_proto()),
            retry_policy: self.run.retry.as_ref().map(RetryPolicy::to_proto),
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
