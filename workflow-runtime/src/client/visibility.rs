//! Finding and describing workflows: list and count by a visibility query (the SQL-like filter
//! of the UI and `temporal workflow list --query`), and describe one execution.

use std::{
    pin::Pin,
    task::{Context, Poll},
    time::SystemTime,
};

use futures::{Stream, StreamExt, stream::BoxStream};
use temporalio_common::protos::temporal::api::{
    enums::v1::{PendingActivityState, WorkflowExecutionStatus},
    workflow::v1::{PendingActivityInfo, WorkflowExecutionInfo},
    workflowservice::v1::{
        CountWorkflowExecutionsRequest, DescribeWorkflowExecutionResponse,
        ListWorkflowExecutionsRequest,
    },
};

use crate::{
    attributes::{Memo, SearchAttributes},
    client::{Client, error::ClientError, paging::paged, rpc},
    convert::system_time,
    deployment::{DeploymentVersion, VersioningBehavior},
};

/// Where a workflow execution stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WorkflowStatus {
    /// Open.
    Running,
    /// Returned a result.
    Completed,
    /// Returned an error, or its run timed out at the workflow level.
    Failed,
    /// Cancelled.
    Cancelled,
    /// Terminated by an operator or a client.
    Terminated,
    /// Continued as a new run.
    ContinuedAsNew,
    /// Hit its execution or run timeout.
    TimedOut,
    /// A status this version does not know (a newer server).
    Unknown,
}

impl From<i32> for WorkflowStatus {
    fn from(status: i32) -> Self {
        match WorkflowExecutionStatus::try_from(status) {
            Ok(WorkflowExecutionStatus::Running) => Self::Running,
            Ok(WorkflowExecutionStatus::Completed) => Self::Completed,
            Ok(WorkflowExecutionStatus::Failed) => Self::Failed,
            Ok(WorkflowExecutionStatus::Canceled) => Self::Cancelled,
            Ok(WorkflowExecutionStatus::Terminated) => Self::Terminated,
            Ok(WorkflowExecutionStatus::ContinuedAsNew) => Self::ContinuedAsNew,
            Ok(WorkflowExecutionStatus::TimedOut) => Self::TimedOut,
            _ => Self::Unknown,
        }
    }
}

/// One workflow execution as the server's visibility store sees it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WorkflowExecution {
    /// The workflow id.
    pub workflow_id: String,
    /// The run id.
    pub run_id: String,
    /// The workflow type's name.
    pub workflow_type: String,
    /// The task queue the run was started on.
    pub task_queue: String,
    /// Where the run stands.
    pub status: WorkflowStatus,
    /// When it started.
    pub start_time: Option<SystemTime>,
    /// When it closed, if it did.
    pub close_time: Option<SystemTime>,
    /// How many events its history holds.
    pub history_length: u64,
    /// Its search attributes; read them with typed keys.
    pub search_attributes: SearchAttributes,
    /// Its memo.
    pub memo: Memo,
    /// The worker deployment version its workflow tasks run on, when it runs on a versioned
    /// worker.
    pub deployment_version: Option<DeploymentVersion>,
    /// Its versioning behaviour, as its last workflow task reported it.
    pub versioning_behavior: Option<VersioningBehavior>,
}

impl WorkflowExecution {
    fn from_info(info: WorkflowExecutionInfo) -> Self {
        let (workflow_id, run_id) = info
            .execution
            .map(|execution| (execution.workflow_id, execution.run_id))
            .unwrap_or_default();
        let versioning = info.versioning_info.unwrap_or_default();
        Self {
            workflow_id,
            run_id,
            deployment_version: versioning
                .deployment_version
                .map(DeploymentVersion::from_proto)
                .filter(|version| !version.build_id().is_empty()),
            versioning_behavior: VersioningBehavior::from_proto(versioning.behavior),
            workflow_type: info.r#type.map(|t| t.name).unwrap_or_default(),
            task_queue: info.task_queue,
            status: WorkflowStatus::from(info.status),
            start_time: system_time(info.start_time.as_ref()),
            close_time: system_time(info.close_time.as_ref()),
            history_length: u64::try_from(info.history_length).unwrap_or(0),
            search_attributes: SearchAttributes::from_proto(info.search_attributes),
            memo: Memo::from_proto(info.memo),
        }
    }
}

/// Where a pending activity stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ActivityState {
    /// Scheduled, waiting for a worker.
    Scheduled,
    /// Running on a worker.
    Started,
    /// Its cancellation was requested.
    CancelRequested,
    /// A state this version does not know (paused, or a newer server's).
    Other,
}

impl From<i32> for ActivityState {
    fn from(state: i32) -> Self {
        match PendingActivityState::try_from(state) {
            Ok(PendingActivityState::Scheduled) => Self::Scheduled,
            Ok(PendingActivityState::Started) => Self::Started,
            Ok(PendingActivityState::CancelRequested) => Self::CancelRequested,
            _ => Self::Other,
        }
    }
}

/// An activity a workflow execution waits on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PendingActivity {
    /// The activity id.
    pub activity_id: String,
    /// The activity type's name.
    pub activity_type: String,
    /// Scheduled, started or cancel requested.
    pub state: ActivityState,
    /// The attempt under way (from 1).
    pub attempt: u32,
    /// The message of the last attempt's failure, when one failed.
    pub last_failure: Option<String>,
}

impl PendingActivity {
    fn from_info(info: PendingActivityInfo) -> Self {
        Self {
            activity_id: info.activity_id,
            activity_type: info.activity_type.map(|t| t.name).unwrap_or_default(),
            state: ActivityState::from(info.state),
            attempt: u32::try_from(info.attempt).unwrap_or(0),
            last_failure: info.last_failure.map(|failure| failure.message),
        }
    }
}

/// What `describe` tells about one execution.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WorkflowDescription {
    /// The execution, as a list shows it.
    pub execution: WorkflowExecution,
    /// The activities it waits on.
    pub pending_activities: Vec<PendingActivity>,
}

impl WorkflowDescription {
    pub(crate) fn from_response(response: DescribeWorkflowExecutionResponse) -> Self {
        Self {
            execution: WorkflowExecution::from_info(
                response.workflow_execution_info.unwrap_or_default(),
            ),
            pending_activities: response
                .pending_activities
                .into_iter()
                .map(PendingActivity::from_info)
                .collect(),
        }
    }
}

/// The executions a visibility query matches, page by page, as a [`Stream`]; from
/// [`Client::list_workflows`].
#[must_use = "a list fetches nothing until polled"]
pub struct WorkflowList<'a> {
    client: &'a Client,
    query: String,
    page_size: i32,
    pages: Option<BoxStream<'a, Result<WorkflowExecution, ClientError>>>,
}

impl std::fmt::Debug for WorkflowList<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkflowList")
            .field("query", &self.query)
            .field("page_size", &self.page_size)
            .finish_non_exhaustive()
    }
}

impl<'a> WorkflowList<'a> {
    /// How many executions each request asks for (the server's default when not set).
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = i32::try_from(size).unwrap_or(i32::MAX);
        self
    }

    fn pages(&self) -> BoxStream<'a, Result<WorkflowExecution, ClientError>> {
        let client = self.client;
        let query = self.query.clone();
        let page_size = self.page_size;
        paged(move |next_page_token| {
            let request = ListWorkflowExecutionsRequest {
                namespace: client.namespace().to_owned(),
                page_size,
                next_page_token,
                query: query.clone(),
            };
            async move {
                let response = rpc::list_workflows(client, request).await?;
                let page = response
                    .executions
                    .into_iter()
                    .map(WorkflowExecution::from_info)
                    .collect();
                Ok((page, response.next_page_token))
            }
        })
    }
}

impl Stream for WorkflowList<'_> {
    type Item = Result<WorkflowExecution, ClientError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.pages.is_none() {
            let pages = self.pages();
            self.pages = Some(pages);
        }
        match self.pages.as_mut() {
            Some(pages) => pages.poll_next_unpin(cx),
            None => Poll::Ready(None),
        }
    }
}

impl Client {
    /// The executions that match a visibility query, newest first, as a stream that fetches
    /// page after page: `client.list_workflows("WorkflowType = 'Order' AND ExecutionStatus =
    /// 'Running'")`. An empty query lists every execution of the namespace. The visibility
    /// store follows the history with a short delay, so a run started a moment ago may not be
    /// listed yet.
    ///
    /// ```no_run
    /// # use futures::TryStreamExt;
    /// # use workflow_runtime::prelude::*;
    /// # async fn demo(client: Client) -> Result<(), workflow_runtime::ClientError> {
    /// let open: Vec<_> = client
    ///     .list_workflows("ExecutionStatus = 'Running'")
    ///     .page_size(100)
    ///     .try_collect()
    ///     .await?;
    /// for run in &open {
    ///     println!("{} ({}) started {:?}", run.workflow_id, run.workflow_type, run.start_time);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list_workflows(&self, query: impl Into<String>) -> WorkflowList<'_> {
        WorkflowList {
            client: self,
            query: query.into(),
            page_size: 0,
            pages: None,
        }
    }

    /// How many executions match a visibility query.
    pub async fn count_workflows(&self, query: impl Into<String>) -> Result<u64, ClientError> {
        let response = rpc::count_workflows(
            self,
            CountWorkflowExecutionsRequest {
                namespace: self.namespace().to_owned(),
                query: query.into(),
            },
        )
        .await?;
        Ok(u64::try_from(response.count).unwrap_or(0))
    }
}
