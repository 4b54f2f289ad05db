//! What can go wrong providing or starting the dev server.

use std::time::Duration;

use crate::client::ClientError;

/// Errors while provisioning or starting the dev server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DevServerError {
    /// The CLI could not be found or installed; the message says what to do.
    #[error("cannot provide the Temporal CLI: {0}")]
    Provision(String),
    /// A file, folder, port or process could not be had.
    #[error("{action}: {source}")]
    Io {
        /// What was attempted.
        action: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The server process exited before it answered.
    #[error("the Temporal dev server exited with {status}: {log}")]
    Exited {
        /// Its exit status.
        status: std::process::ExitStatus,
        /// Its log.
        log: String,
    },
    /// Another process took the server's port between the choice of a free port and the
    /// server binding it, at every attempt.
    #[error("the port of {address} was taken before the Temporal server bound it: {log}")]
    PortTaken {
        /// The address the server was started on.
        address: String,
        /// Its log.
        log: String,
    },
    /// The server did not answer in time.
    #[error("the Temporal dev server at {address} did not answer within {waited:?}")]
    NotReady {
        /// Its address.
        address: String,
        /// How long we waited.
        waited: Duration,
        /// The last error seen while waiting.
        #[source]
        last_error: Option<Box<ClientError>>,
    },
}

impl DevServerError {
    pub(crate) fn io(action: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let action = action.into();
        move |source| Self::Io { action, source }
    }
}
