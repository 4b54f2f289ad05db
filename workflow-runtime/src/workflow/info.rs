//! Facts about a run: those fixed when it starts, and those core reports with each workflow
//! task (history length and size, whether to continue as new).

use std::time::SystemTime;

use crate::attributes::{Memo, SearchAttributes};

/// Facts about the running workflow.
///
/// Most are fixed for the run; `history_length`, `history_size_bytes` and
/// `continue_as_new_suggested` are as of the current workflow task, so a long-running loop
/// can decide when to [continue as new](crate::WorkflowContext::continue_as_new).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WorkflowInfo {
    /// The workflow type name.
    pub workflow_type: String,
    /// The workflow id given by the starter.
    pub workflow_id: String,
    /// This run's id.
    pub run_id: String,
    /// The first run's id in a chain of retries or continue-as-new.
    pub first_execution_run_id: String,
    /// The run this one continued from, when it was started by continue-as-new.
    pub continued_from_run_id: Option<String>,
    /// The parent workflow, when this run is a child workflow.
    pub parent: Option<ParentInfo>,
    /// The namespace.
    pub namespace: String,
    /// The task queue the workflow runs on.
    pub task_queue: String,
    /// The attempt number, starting at 1.
    pub attempt: i32,
    /// When the run started, by the server's clock.
    pub start_time: Option<SystemTime>,
    /// How many events the run's history holds, as of the current workflow task.
    pub history_length: u32,
    /// The size of the run's history in bytes, as of the current workflow task.
    pub history_size_bytes: u64,
    /// Whether the server suggests continuing as new (the history is getting long or large).
    pub continue_as_new_suggested: bool,
    /// The run's search attributes: those it started with, with this run's upserts applied.
    pub search_attributes: SearchAttributes,
    /// The run's memo: what it started with, with this run's upserts applied.
    pub memo: Memo,
}

/// The parent of a child workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParentInfo {
    /// The parent's namespace.
    pub namespace: String,
    /// The parent's workflow id.
    pub workflow_id: String,
    /// The parent's run id.
    pub run_id: String,
}
