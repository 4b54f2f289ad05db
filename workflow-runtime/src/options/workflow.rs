//! What a run is started with: the policies a start takes, the settings every start shares
//! (`RunSettings`, `run_setters!`), child workflow and continue-as-new options, and the commands
//! they build.

use std::time::Duration;

use temporalio_common::protos::{
    coresdk::{
        child_workflow::{
            ChildWorkflowCancellationType, ParentClosePolicy as ParentClosePolicyProto,
        },
        workflow_commands::{ContinueAsNewWorkflowExecution, StartChildWorkflowExecution},
    },
    temporal::api::{
        common::v1::Payload,
        enums::v1::{
            WorkflowIdConflictPolicy as WorkflowIdConflictPolicyProto,
            WorkflowIdReusePolicy as WorkflowIdReusePolicyProto,
        },
    },
};

use crate::{
    attributes::{Memo, SearchAttributes},
    convert::proto_duration,
    options::RetryPolicy,
};

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

// The commands the child and continue-as-new options build: every field of the options reaches
// its command here, in one place per type.

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
