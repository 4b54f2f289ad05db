//! A worker running in the background of a test, a demo or a service, stopped with
//! [`RunningWorker::stop`] or when the guard is dropped.

use crate::worker::{ShutdownHandle, Worker, WorkerError};

/// A worker running on the current tokio runtime until [`stop`](Self::stop) is awaited or
/// the guard is dropped (which requests a graceful shutdown and does not wait for it).
/// Ctrl-C is left to the caller.
///
/// ```no_run
/// # use workflow_runtime::{prelude::*, RunningWorker, testing::TestEnvironment};
/// # #[derive(Default)] pub struct ApprovalWorkflow;
/// # #[workflow] impl ApprovalWorkflow { #[run] async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> { Ok(()) } }
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let env = TestEnvironment::time_skipping().await?;
/// let worker = RunningWorker::start(env.worker("approvals").workflow::<ApprovalWorkflow>());
/// // ... start workflows, await their results ...
/// worker.stop().await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct RunningWorker {
    shutdown: ShutdownHandle,
    task: Option<tokio::task::JoinHandle<Result<(), WorkerError>>>,
}

impl RunningWorker {
    /// Starts `worker` in the background. Must be called within a tokio runtime.
    pub fn start(worker: Worker) -> Self {
        let shutdown = worker.shutdown_handle();
        let worker = worker.shutdown_on_ctrl_c(false);
        Self {
            shutdown,
            task: Some(tokio::spawn(worker.run())),
        }
    }

    /// Requests a graceful shutdown at once, and returns a future of how the worker's run
    /// ended. The request does not wait for the first poll of the future, so the caller can
    /// act between the request and the end (release an activity that must still finish).
    pub fn stop(mut self) -> impl Future<Output = Result<(), WorkerError>> {
        self.shutdown.shutdown();
        let task = self.task.take();
        async move {
            match task {
                Some(task) => task
                    .await
                    .unwrap_or_else(|joined| Err(WorkerError::Task(joined))),
                None => Ok(()),
            }
        }
    }

    /// Whether the worker has stopped on its own (a configuration error, or polling failed
    /// for good); [`stop`](Self::stop) then returns why.
    pub fn has_stopped(&self) -> bool {
        self.task.as_ref().is_none_or(|task| task.is_finished())
    }
}

impl Drop for RunningWorker {
    fn drop(&mut self) {
        self.shutdown.shutdown();
    }
}
