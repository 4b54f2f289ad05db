//! Activities completed later: an activity that returned
//! [`ActivityError::complete_async`](crate::ActivityError::complete_async) stays open on the
//! server until a client completes, fails or cancels it, by its task token or by workflow id
//! and activity id, heartbeating meanwhile if it has a heartbeat timeout.

use std::{fmt, marker::PhantomData};

use serde::Serialize;
use temporalio_common::protos::temporal::api::{
    common::v1::Payloads,
    workflowservice::v1::{
        RecordActivityTaskHeartbeatByIdRequest, RecordActivityTaskHeartbeatRequest,
        RespondActivityTaskCanceledByIdRequest, RespondActivityTaskCanceledRequest,
        RespondActivityTaskCompletedByIdRequest, RespondActivityTaskCompletedRequest,
        RespondActivityTaskFailedByIdRequest, RespondActivityTaskFailedRequest,
    },
};

use crate::{
    activity::TaskToken,
    client::{
        Client,
        error::ClientError,
        rpc::{self, AsyncActivityCall},
    },
    error::ActivityError,
    payload::encode,
};

/// Which activity a later completion addresses: the attempt's task token, or the workflow id,
/// optionally its run id (the latest run otherwise), and the activity id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AsyncActivityId {
    /// The attempt's [`ActivityInfo::task_token`](crate::ActivityInfo::task_token).
    Token(TaskToken),
    /// The activity by its id within a workflow run.
    Id {
        /// The workflow id.
        workflow_id: String,
        /// The run id; empty for the workflow's latest run.
        run_id: String,
        /// The activity id (its [`ActivityInfo::activity_id`](crate::ActivityInfo::activity_id)).
        activity_id: String,
    },
}

impl AsyncActivityId {
    /// The activity `activity_id` of workflow `workflow_id`'s latest run.
    pub fn by_id(workflow_id: impl Into<String>, activity_id: impl Into<String>) -> Self {
        Self::Id {
            workflow_id: workflow_id.into(),
            run_id: String::new(),
            activity_id: activity_id.into(),
        }
    }

    /// The same activity in run `run_id` of its workflow (a task token names its run already).
    pub fn run_id(self, run_id: impl Into<String>) -> Self {
        match self {
            Self::Id {
                workflow_id,
                activity_id,
                ..
            } => Self::Id {
                workflow_id,
                run_id: run_id.into(),
                activity_id,
            },
            token => token,
        }
    }
}

impl From<TaskToken> for AsyncActivityId {
    fn from(token: TaskToken) -> Self {
        Self::Token(token)
    }
}

impl fmt::Display for AsyncActivityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Token(token) => write!(f, "with task token ({} bytes)", token.as_bytes().len()),
            Self::Id {
                workflow_id,
                activity_id,
                ..
            } => write!(f, "`{activity_id}` of workflow `{workflow_id}`"),
        }
    }
}

/// The request of `handle`'s call: `$by_token` addresses the attempt by its task token,
/// `$by_id` by ids; both carry the caller's namespace and identity and the call's `fields`.
macro_rules! by_token_or_id {
    (
        $handle:expr,
        $by_token:ident($token_request:ident),
        $by_id:ident($id_request:ident),
        { $($field:ident),* }
    ) => {{
        let namespace = $handle.client.namespace().to_owned();
        let identity = $handle.client.identity().to_owned();
        match &$handle.id {
            AsyncActivityId::Token(token) => AsyncActivityCall::$by_token($token_request {
                task_token: token.as_bytes().to_vec(),
                namespace,
                identity,
                $($field,)*
                ..Default::default()
            }),
            AsyncActivityId::Id {
                workflow_id,
                run_id,
                activity_id,
            } => AsyncActivityCall::$by_id($id_request {
                namespace,
                workflow_id: workflow_id.clone(),
                run_id: run_id.clone(),
                activity_id: activity_id.clone(),
                identity,
                $($field,)*
                ..Default::default()
            }),
        }
    }};
}

/// What a heartbeat sent from a client hears back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct AsyncHeartbeat {
    /// Whether the activity's cancellation was requested (by its workflow): the completer
    /// should stop and call [`AsyncActivityHandle::report_cancellation`].
    pub cancel_requested: bool,
}

/// A handle on an activity that completes later, from
/// [`Client::async_activity`] (typed by the activity's function) or
/// [`Client::async_activity_handle`] (the result type given).
///
/// ```no_run
/// # use workflow_runtime::{prelude::*, TaskToken};
/// # #[activity] async fn request_approval(_ctx: ActivityContext, order: String) -> Result<bool, ActivityError> { Err(ActivityError::complete_async()) }
/// # async fn demo(client: Client, token: TaskToken) -> Result<(), ClientError> {
/// let approval = client.async_activity(request_approval, token);
/// approval.heartbeat(&"reviewing").await?;
/// approval.complete(&true).await?; // a `bool`, as `request_approval` returns
/// # Ok(()) }
/// ```
pub struct AsyncActivityHandle<O> {
    client: Client,
    id: AsyncActivityId,
    _output: PhantomData<fn(&O)>,
}

impl<O> fmt::Debug for AsyncActivityHandle<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncActivityHandle")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl<O> Clone for AsyncActivityHandle<O> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            id: self.id.clone(),
            _output: PhantomData,
        }
    }
}

impl<O: Serialize> AsyncActivityHandle<O> {
    pub(crate) fn new(client: Client, id: AsyncActivityId) -> Self {
        Self {
            client,
            id,
            _output: PhantomData,
        }
    }

    /// The activity this handle addresses.
    pub fn id(&self) -> &AsyncActivityId {
        &self.id
    }

    async fn send(&self, call: AsyncActivityCall) -> Result<bool, ClientError> {
        rpc::async_activity(&self.client, &self.id.to_string(), call).await
    }

    /// Completes the activity with `result`; its workflow's await returns it.
    pub async fn complete(&self, result: &O) -> Result<(), ClientError> {
        let result = Some(Payloads {
            payloads: vec![encode(result)?],
        });
        let call = by_token_or_id!(
            self,
            Complete(RespondActivityTaskCompletedRequest),
            CompleteById(RespondActivityTaskCompletedByIdRequest),
            { result }
        );
        self.send(call).await.map(drop)
    }

    /// Fails the attempt with `error`: the server retries the activity as its retry policy
    /// says (a new attempt runs on a worker), unless the error is non-retryable, in which case
    /// the workflow's await fails with it.
    pub async fn fail(&self, error: ActivityError) -> Result<(), ClientError> {
        let failure = Some(error.into_failure());
        let call = by_token_or_id!(
            self,
            Fail(RespondActivityTaskFailedRequest),
            FailById(RespondActivityTaskFailedByIdRequest),
            { failure }
        );
        self.send(call).await.map(drop)
    }

    /// Reports that the activity stopped after its cancellation was requested; the workflow's
    /// await fails with a cancellation.
    pub async fn report_cancellation(&self) -> Result<(), ClientError> {
        let call = by_token_or_id!(
            self,
            Cancelled(RespondActivityTaskCanceledRequest),
            CancelledById(RespondActivityTaskCanceledByIdRequest),
            {}
        );
        self.send(call).await.map(drop)
    }

    /// Records a heartbeat with progress `details`, which keeps an activity with a heartbeat
    /// timeout open and reaches its next attempt; the answer says whether its cancellation
    /// was requested.
    pub async fn heartbeat<T: Serialize + ?Sized>(
        &self,
        details: &T,
    ) -> Result<AsyncHeartbeat, ClientError> {
        let details = Some(Payloads {
            payloads: vec![encode(details)?],
        });
        let call = by_token_or_id!(
            self,
            Heartbeat(RecordActivityTaskHeartbeatRequest),
            HeartbeatById(RecordActivityTaskHeartbeatByIdRequest),
            { details }
        );
        let cancel_requested = self.send(call).await?;
        Ok(AsyncHeartbeat { cancel_requested })
    }
}
