//! Facts about a run that stay fixed for its lifetime.

use std::time::SystemTime;

/// Facts about the running workflow, fixed for the run.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// The namespace.
    pub namespace: String,
    /// The task queue the workflow runs on.
    pub task_queue: String,
    /// The attempt number, starting at 1.
    pub attempt: i32,
    /// When the run started, by the server's clock.
    pub start_time: Option<SystemTime>,
}
