//! The errors of client calls.

use temporalio_client::tonic;

use crate::{
    error::{UpdateFailed, WorkflowFailed},
    payload::PayloadError,
};

/// Errors that are not this crate's own, kept whole as the source of a [`ClientError`].
pub(crate) type SourceError = Box<dyn std::error::Error + Send + Sync>;

/// Errors from client calls. Each variant keeps the error it came from as its
/// [`source`](std::error::Error::source); where that is a server status, [`ClientError::code`]
/// gives its gRPC code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The server address does not parse.
    #[error(
        "invalid server address `{address}`: {source} (expected host:port, e.g. 127.0.0.1:7233)"
    )]
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
    #[error("cannot connect to the Temporal server at {address}: {source}")]
    Connect {
        /// The address tried.
        address: String,
        /// The connection error.
        #[source]
        source: SourceError,
    },
    /// A workflow with this id is already running.
    #[error("workflow `{workflow_id}` is already running; pick another id or wait for it to close")]
    AlreadyStarted {
        /// The workflow id.
        workflow_id: String,
        /// The server's status.
        #[source]
        status: tonic::Status,
    },
    /// No such workflow.
    #[error("workflow `{workflow_id}` not found: {}", status.message())]
    NotFound {
        /// The workflow id.
        workflow_id: String,
        /// The server's status.
        #[source]
        status: tonic::Status,
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
        status: tonic::Status,
    },
    /// An input or result did not convert.
    #[error(transparent)]
    Payload(#[from] PayloadError),
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
    /// handler.
    #[error("query `{query}` failed: {message}")]
    QueryFailed {
        /// The query's name.
        query: String,
        /// What the worker or the server said.
        message: String,
        /// The server's status, when the server refused the query.
        #[source]
        status: Option<tonic::Status>,
    },
    /// The method passed to a typed call is not a handler of that kind on this workflow.
    #[error("{0}")]
    NotAHandler(String),
    /// The server answered with something this client cannot use.
    #[error("unexpected answer from the Temporal server: {0}")]
    UnexpectedResponse(String),
    /// Any other server error.
    #[error("Temporal server error ({:?}): {}", status.code(), status.message())]
    Rpc {
        /// The server's status.
        #[source]
        status: tonic::Status,
    },
}

impl ClientError {
    /// The gRPC code, when the error came from a server status.
    pub fn code(&self) -> Option<tonic::Code> {
        match self {
            ClientError::AlreadyStarted { status, .. }
            | ClientError::NotFound { status, .. }
            | ClientError::UpdateNotFound { status, .. }
            | ClientError::Rpc { status } => Some(status.code()),
            ClientError::QueryFailed { status, .. } => status.as_ref().map(tonic::Status::code),
            _ => None,
        }
    }

    pub(crate) fn rpc(status: tonic::Status) -> Self {
        Self::Rpc { status }
    }

    /// Maps a status from a call on an existing workflow.
    pub(crate) fn on_workflow(workflow_id: &str, status: tonic::Status) -> Self {
        match status.code() {
            tonic::Code::NotFound => ClientError::NotFound {
                workflow_id: workflow_id.to_owned(),
                status,
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
                status,
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
        assert_eq!(other.code(), Some(tonic::Code::Unavailable));
    }
}
