//! The errors of client calls.

use std::sync::Arc;

use temporalio_client::tonic;
use temporalio_common::protos::temporal::api::errordetails::v1::WorkflowExecutionAlreadyStartedFailure;

use crate::{
    codec::CodecError,
    error::{UpdateFailed, WorkflowFailed},
    history::HistoryError,
    payload::PayloadError,
};

/// Errors that are not this crate's own, kept whole as the source of a [`ClientError`].
pub(crate) type SourceError = Box<dyn std::error::Error + Send + Sync>;

/// Errors from client calls. Each variant keeps the error it came from as its
/// [`source`](std::error::Error::source); where that is a server status, [`ClientError::code`]
/// gives its code. `Display` shows this level only: an error report (anyhow, eyre) prints
/// the whole chain, as does walking `source()`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The server address does not parse.
    #[error("invalid server address `{address}` (expected host:port, e.g. 127.0.0.1:7233)")]
    InvalidAddress {
        /// The address given.
        address: String,
        /// The parse error.
        #[source]
        source: url::ParseError,
    },
    /// The standard Temporal configuration (environment variables, profile file) does not load.
    #[error("cannot load the Temporal client configuration: {message}")]
    Config {
        /// What the configuration loader said. Its error is not `Send`, so only its message
        /// can travel with this one.
        message: String,
    },
    /// The server could not be reached.
    #[error("cannot connect to the Temporal server at {address}")]
    Connect {
        /// The address tried.
        address: String,
        /// The connection error.
        #[source]
        source: SourceError,
    },
    /// A workflow with this id is already running (or, under a reuse policy that refuses it,
    /// has run).
    #[error(
        "workflow `{workflow_id}` is already running{}; pick another id, wait for it to close, or \
         choose an id conflict policy (StartOptions::id_conflict_policy)",
        run_id.as_deref().map(|run| format!(" as run `{run}`")).unwrap_or_default()
    )]
    AlreadyStarted {
        /// The workflow id.
        workflow_id: String,
        /// The run that holds the id, when the server names it.
        run_id: Option<String>,
        /// The server's status.
        #[source]
        status: ServerStatus,
    },
    /// No such workflow.
    #[error("workflow `{workflow_id}` not found: {}", status.message())]
    NotFound {
        /// The workflow id.
        workflow_id: String,
        /// The server's status.
        #[source]
        status: ServerStatus,
    },
    /// A schedule with this id exists.
    #[error("schedule `{schedule_id}` already exists; pick another id, or update or delete it")]
    ScheduleAlreadyExists {
        /// The schedule id.
        schedule_id: String,
        /// The server's status.
        #[source]
        status: ServerStatus,
    },
    /// No such schedule.
    #[error("schedule `{schedule_id}` not found: {}", status.message())]
    ScheduleNotFound {
        /// The schedule id.
        schedule_id: String,
        /// The server's status.
        #[source]
        status: ServerStatus,
    },
    /// No such worker deployment, or no worker of the version has polled yet.
    #[error(
        "worker deployment `{deployment_name}`: {}; a deployment and each of its versions exist once a worker of that version has polled",
        status.message()
    )]
    DeploymentNotFound {
        /// The deployment's name.
        deployment_name: String,
        /// The server's status.
        #[source]
        status: ServerStatus,
    },
    /// No open activity answers to this task token or id: it completed, failed or timed out,
    /// its workflow closed, or the id is wrong.
    #[error(
        "activity {activity} is not open: {}; it may have completed or timed out, or its workflow closed",
        status.message()
    )]
    ActivityNotFound {
        /// The activity, as `with task token (N bytes)` or `` `id` of workflow `wf` ``.
        activity: String,
        /// The server's status.
        #[source]
        status: ServerStatus,
    },
    /// The workflow exists but knows no update with this id.
    #[error(
        "workflow `{workflow_id}` has no update with id `{update_id}`: {}; check the id, and that the update was sent to this workflow and run",
        status.message()
    )]
    UpdateNotFound {
        /// The workflow id.
        workflow_id: String,
        /// The update id asked for.
        update_id: String,
        /// The server's status.
        #[source]
        status: ServerStatus,
    },
    /// An input or result did not convert.
    #[error(transparent)]
    Payload(#[from] PayloadError),
    /// The client's payload codec could not encode what the call sends, or decode what the
    /// server answered; nothing was sent when encoding failed.
    #[error("the payload codec failed")]
    Codec(#[from] CodecError),
    /// The workflow failed.
    #[error(transparent)]
    Failed(#[from] WorkflowFailed),
    /// The workflow was cancelled.
    #[error("workflow `{workflow_id}` was cancelled")]
    Cancelled {
        /// The workflow id.
        workflow_id: String,
    },
    /// The workflow was terminated.
    #[error("workflow `{workflow_id}` was terminated: {reason}")]
    Terminated {
        /// The workflow id.
        workflow_id: String,
        /// The reason given.
        reason: String,
    },
    /// The workflow exceeded its execution or run timeout.
    #[error("workflow `{workflow_id}` timed out")]
    TimedOut {
        /// The workflow id.
        workflow_id: String,
    },
    /// An update was rejected by its validator or failed in its handler.
    #[error(transparent)]
    UpdateFailed(#[from] UpdateFailed),
    /// A query failed: no such query, an argument that does not decode, or a panic in the
    /// handler, or the server refused it.
    #[error("query `{query}` failed: {message}")]
    QueryFailed {
        /// The query's name.
        query: String,
        /// What the worker or the server said.
        message: String,
        /// The server's status, when the server refused the query.
        #[source]
        status: Option<ServerStatus>,
    },
    /// The run's history from the server is not one this client can read.
    #[error("the history of workflow `{workflow_id}` cannot be read")]
    History {
        /// The workflow id.
        workflow_id: String,
        /// What is wrong with it.
        #[source]
        source: HistoryError,
    },
    /// The server answered with something this client cannot use (no error of another crate
    /// stands behind it: the answer itself is the problem).
    #[error("unexpected answer from the Temporal server: {what}")]
    UnexpectedResponse {
        /// What was unexpected.
        what: String,
    },
    /// An interceptor refused the call ([`ClientCall::refuse`](crate::ClientCall::refuse));
    /// its reason is the source.
    #[error("an interceptor refused the {call} call")]
    Refused {
        /// The kind of call refused (`StartWorkflow`, `SignalWorkflow`, ...), or `call` when
        /// the interceptor did not say.
        call: &'static str,
        /// Why.
        #[source]
        reason: SourceError,
    },
    /// A payload over the namespace's size limit (2 MiB unless the cluster sets another): a
    /// workflow input, a signal or update argument, a memo. The server refused it, or, for an
    /// update, the client did before sending (an update the server admitted would fail the
    /// workflow's task instead). The same call fails again.
    #[error(
        "a payload {}over the namespace's size limit{}: keep large data out of Temporal, store it elsewhere and pass a reference such as a blob-store key",
        size.map(|size| format!("of {size} bytes ")).unwrap_or_default(),
        limit.map(|limit| format!(" of {limit} bytes")).unwrap_or_else(|| " (2 MiB unless the cluster sets another)".to_owned())
    )]
    PayloadsTooLarge {
        /// The size of the payloads, when the client measured them.
        size: Option<usize>,
        /// The namespace's limit, when the client knows it.
        limit: Option<usize>,
        /// The server's status, when the server refused the call.
        #[source]
        status: Option<ServerStatus>,
    },
    /// Any other server error.
    #[error("Temporal server error: {}", status.message())]
    Rpc {
        /// The server's status.
        #[source]
        status: ServerStatus,
    },
}

/// The status a Temporal server answered a call with: a gRPC code and the server's message.
/// Its `Display` names the code only; the [`ClientError`] holding it shows the message.
#[derive(Debug, Clone)]
pub struct ServerStatus {
    code: StatusCode,
    message: String,
    /// The transport's error under the status, if any.
    status: Arc<tonic::Status>,
}

impl ServerStatus {
    /// The status code.
    pub fn code(&self) -> StatusCode {
        self.code
    }

    /// The server's message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl From<tonic::Status> for ServerStatus {
    fn from(status: tonic::Status) -> Self {
        Self {
            code: StatusCode::from(status.code()),
            message: status.message().to_owned(),
            status: Arc::new(status),
        }
    }
}

impl std::fmt::Display for ServerStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The message is shown by the error that holds this status, once.
        write!(f, "the server answered with status {:?}", self.code)
    }
}

impl std::error::Error for ServerStatus {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        // The status's own text is this error's; what lies under it (a transport error) is
        // the source.
        std::error::Error::source(&*self.status)
    }
}

/// The gRPC status codes, as the server sends them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatusCode {
    /// Not an error.
    Ok,
    /// The call was cancelled.
    Cancelled,
    /// An unknown error.
    Unknown,
    /// The request is invalid.
    InvalidArgument,
    /// The deadline passed before the call finished.
    DeadlineExceeded,
    /// The entity (workflow, namespace, update) does not exist.
    NotFound,
    /// The entity already exists.
    AlreadyExists,
    /// The caller may not do this.
    PermissionDenied,
    /// A limit or quota was reached.
    ResourceExhausted,
    /// The system is not in a state that allows the call.
    FailedPrecondition,
    /// The call was aborted (a concurrency conflict).
    Aborted,
    /// Out of the valid range.
    OutOfRange,
    /// The server does not implement the call.
    Unimplemented,
    /// An internal error of the server.
    Internal,
    /// The server is unavailable; retrying may help.
    Unavailable,
    /// Data was lost.
    DataLoss,
    /// The caller is not authenticated.
    Unauthenticated,
}

impl From<tonic::Code> for StatusCode {
    fn from(code: tonic::Code) -> Self {
        use tonic::Code as C;
        match code {
            C::Ok => Self::Ok,
            C::Cancelled => Self::Cancelled,
            C::Unknown => Self::Unknown,
            C::InvalidArgument => Self::InvalidArgument,
            C::DeadlineExceeded => Self::DeadlineExceeded,
            C::NotFound => Self::NotFound,
            C::AlreadyExists => Self::AlreadyExists,
            C::PermissionDenied => Self::PermissionDenied,
            C::ResourceExhausted => Self::ResourceExhausted,
            C::FailedPrecondition => Self::FailedPrecondition,
            C::Aborted => Self::Aborted,
            C::OutOfRange => Self::OutOfRange,
            C::Unimplemented => Self::Unimplemented,
            C::Internal => Self::Internal,
            C::Unavailable => Self::Unavailable,
            C::DataLoss => Self::DataLoss,
            C::Unauthenticated => Self::Unauthenticated,
        }
    }
}

impl ClientError {
    /// The status code, when the error came from a server status.
    pub fn code(&self) -> Option<StatusCode> {
        match self {
            ClientError::AlreadyStarted { status, .. }
            | ClientError::NotFound { status, .. }
            | ClientError::DeploymentNotFound { status, .. }
            | ClientError::ScheduleAlreadyExists { status, .. }
            | ClientError::ScheduleNotFound { status, .. }
            | ClientError::UpdateNotFound { status, .. }
            | ClientError::ActivityNotFound { status, .. }
            | ClientError::Rpc { status } => Some(status.code()),
            ClientError::QueryFailed { status, .. }
            | ClientError::PayloadsTooLarge { status, .. } => {
                status.as_ref().map(ServerStatus::code)
            }
            _ => None,
        }
    }

    pub(crate) fn rpc(status: tonic::Status) -> Self {
        if status.code() == tonic::Code::InvalidArgument
            && crate::foreign_text::is_payload_size_refusal(status.message())
        {
            return Self::PayloadsTooLarge {
                size: None,
                limit: None,
                status: Some(status.into()),
            };
        }
        Self::Rpc {
            status: status.into(),
        }
    }

    pub(crate) fn unexpected(what: impl Into<String>) -> Self {
        Self::UnexpectedResponse { what: what.into() }
    }

    /// Maps a status from a call on an existing workflow.
    pub(crate) fn on_workflow(workflow_id: &str, status: tonic::Status) -> Self {
        match status.code() {
            tonic::Code::NotFound => ClientError::NotFound {
                workflow_id: workflow_id.to_owned(),
                status: status.into(),
            },
            _ => ClientError::rpc(status),
        }
    }

    /// Maps a start's `AlreadyExists`, naming the run that holds the id from the status's
    /// details.
    pub(crate) fn already_started(workflow_id: String, status: tonic::Status) -> Self {
        let run_id = temporalio_common::protos::utilities::decode_status_detail::<
            WorkflowExecutionAlreadyStartedFailure,
        >(status.details())
        .map(|failure| failure.run_id)
        .filter(|run| !run.is_empty());
        Self::AlreadyStarted {
            workflow_id,
            run_id,
            status: status.into(),
        }
    }

    /// Maps a status from a call on an existing schedule.
    pub(crate) fn on_schedule(schedule_id: &str, status: tonic::Status) -> Self {
        let schedule_id = schedule_id.to_owned();
        match status.code() {
            tonic::Code::NotFound => ClientError::ScheduleNotFound {
                schedule_id,
                status: status.into(),
            },
            _ => ClientError::rpc(status),
        }
    }

    /// Maps a status from a call on a worker deployment.
    pub(crate) fn on_deployment(deployment_name: &str, status: tonic::Status) -> Self {
        match status.code() {
            tonic::Code::NotFound => ClientError::DeploymentNotFound {
                deployment_name: deployment_name.to_owned(),
                status: status.into(),
            },
            _ => ClientError::rpc(status),
        }
    }

    /// Maps a status from a call on an existing update. The server answers `NotFound` both for
    /// an unknown workflow ("workflow not found for ID: ..") and for an unknown update
    /// ("update \"id\" not found"); only the message's start tells them apart (the ids in it
    /// may contain any word).
    pub(crate) fn on_update(workflow_id: &str, update_id: &str, status: tonic::Status) -> Self {
        if status.code() == tonic::Code::NotFound
            && crate::foreign_text::names_an_unknown_update(status.message())
        {
            return ClientError::UpdateNotFound {
                workflow_id: workflow_id.to_owned(),
                update_id: update_id.to_owned(),
                status: status.into(),
            };
        }
        Self::on_workflow(workflow_id, status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_update_and_an_unknown_workflow_are_told_apart_by_the_message() {
        let unknown_update = ClientError::on_update(
            "wf-update-7",
            "u-1",
            tonic::Status::not_found("update \"u-1\" not found"),
        );
        assert!(
            matches!(&unknown_update, ClientError::UpdateNotFound { workflow_id, update_id, .. }
                if workflow_id == "wf-update-7" && update_id == "u-1"),
            "{unknown_update:?}"
        );
        // The workflow id says "update", the message says the workflow is missing.
        let unknown_workflow = ClientError::on_update(
            "wf-update-7",
            "u-1",
            tonic::Status::not_found("workflow not found for ID: wf-update-7"),
        );
        assert!(
            matches!(&unknown_workflow, ClientError::NotFound { workflow_id, .. } if workflow_id == "wf-update-7"),
            "{unknown_workflow:?}"
        );
        let other = ClientError::on_update("wf", "u", tonic::Status::unavailable("down"));
        assert_eq!(other.code(), Some(StatusCode::Unavailable));
        // The chain prints each level once.
        let report = format!("{:?}", anyhow::Error::from(other));
        assert_eq!(report.matches("down").count(), 1, "{report}");
    }
}
