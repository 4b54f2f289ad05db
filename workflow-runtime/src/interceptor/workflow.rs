//! What workflow interceptors see: the run, and its inbound and outbound calls.

use std::time::SystemTime;

use crate::{interceptor::headers::Headers, workflow::info::WorkflowInfo};

/// The run an interceptor's workflow hook is called for.
#[derive(Debug)]
pub struct RunView<'a> {
    pub(crate) info: &'a WorkflowInfo,
    pub(crate) replaying: bool,
    pub(crate) time: SystemTime,
    pub(crate) start_headers: &'a Headers,
}

impl RunView<'_> {
    /// The run's info: type, ids, task queue, attributes.
    pub fn info(&self) -> &WorkflowInfo {
        self.info
    }

    /// Whether the run replays history it made before: what a hook records then (a log line,
    /// a span, a metric) was recorded already the first time.
    pub fn is_replaying(&self) -> bool {
        self.replaying
    }

    /// Workflow time: the server's time of the current workflow task, the same on replay.
    pub fn time(&self) -> SystemTime {
        self.time
    }

    /// The headers the workflow was started with.
    pub fn start_headers(&self) -> &Headers {
        self.start_headers
    }
}

/// Something a workflow run received, or its end.
#[derive(Debug)]
#[non_exhaustive]
pub enum WorkflowInbound<'a> {
    /// The run starts (first task, or a rebuild from history after an eviction, then
    /// [`RunView::is_replaying`] is true); its headers are [`RunView::start_headers`].
    Started,
    /// A signal arrived.
    Signal {
        /// The signal's name.
        name: &'a str,
        /// The headers it was sent with.
        headers: &'a Headers,
    },
    /// A query arrived; queries also reach runs that replay, and never change them.
    Query {
        /// The query's name.
        name: &'a str,
        /// The headers it was sent with.
        headers: &'a Headers,
    },
    /// An update arrived (before its validator runs).
    Update {
        /// The update's name.
        name: &'a str,
        /// The update's id.
        id: &'a str,
        /// The headers it was sent with.
        headers: &'a Headers,
    },
    /// The run ended with its final command.
    Finished(RunOutcome<'a>),
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RunOutcome<'a> {
    /// `run` returned a value.
    Completed,
    /// The workflow failed.
    Failed {
        /// The failure's message.
        message: &'a str,
    },
    /// The workflow was cancelled.
    Cancelled,
    /// The workflow continued as new.
    ContinuedAsNew,
}

/// What an outbound call sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WorkflowOutboundKind<'a> {
    /// Schedules an activity.
    Activity {
        /// The activity type.
        activity_type: &'a str,
        /// The activity id.
        activity_id: &'a str,
    },
    /// Schedules a local activity (run by this worker, recorded as a marker).
    LocalActivity {
        /// The activity type.
        activity_type: &'a str,
        /// The activity id.
        activity_id: &'a str,
    },
    /// Starts a child workflow.
    ChildWorkflow {
        /// The child's type.
        workflow_type: &'a str,
        /// The child's workflow id.
        workflow_id: &'a str,
    },
    /// Signals another workflow (a child or an external one).
    SignalWorkflow {
        /// The signal's name.
        signal: &'a str,
        /// The workflow signalled.
        workflow_id: &'a str,
        /// Whether that workflow is a child of this one (signalled through its handle).
        to_child: bool,
    },
    /// Continues as new.
    ContinueAsNew {
        /// The type the next run has.
        workflow_type: &'a str,
    },
}

/// A call a workflow run sends, with the headers that go with it.
#[derive(Debug)]
pub struct WorkflowOutbound<'a> {
    kind: WorkflowOutboundKind<'a>,
    headers: Headers,
}

impl<'a> WorkflowOutbound<'a> {
    pub(crate) fn new(kind: WorkflowOutboundKind<'a>, headers: Headers) -> Self {
        Self { kind, headers }
    }

    pub(crate) fn into_headers(self) -> Headers {
        self.headers
    }

    /// What the call sends.
    pub fn kind(&self) -> WorkflowOutboundKind<'a> {
        self.kind
    }

    /// The headers the call sends.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The headers the call sends, to add to.
    pub fn headers_mut(&mut self) -> &mut Headers {
        &mut self.headers
    }
}
