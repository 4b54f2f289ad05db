//! Why a workflow task fails instead of answering with commands: a bug or a misuse in
//! workflow code, or a job this runtime does not know. A fault fails every later activation of
//! the run too, until core evicts it, since the run's state is no longer known.

use crate::{caught_panic::CaughtPanic, executor::ExecutorFault};

/// A workflow task failure caused by the run, with the message the task fails with.
#[derive(Debug, Clone, thiserror::Error)]
pub(crate) enum TaskFault {
    /// A synchronous signal or update handler panicked; it may have left the state half
    /// changed.
    #[error("{handler} panicked: {panic}")]
    HandlerPanicked {
        /// The handler, as messages name it (for example "signal handler `add`").
        handler: String,
        /// The panic.
        panic: CaughtPanic,
    },
    /// The executor stopped: workflow code panicked or was woken from outside.
    #[error("{}", .0.describe())]
    Executor(ExecutorFault),
    /// Core sent a job this runtime does not handle.
    #[error("this version of workflow-runtime cannot handle the activation job {job}")]
    UnknownJob {
        /// The job, in its debug form.
        job: String,
    },
}

impl From<ExecutorFault> for TaskFault {
    fn from(fault: ExecutorFault) -> Self {
        TaskFault::Executor(fault)
    }
}
