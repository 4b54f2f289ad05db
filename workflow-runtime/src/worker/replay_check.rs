//! The replay check of test workers: a worker of a [`TestEnvironment`] keeps the runs it
//! closed, and when it stops it replays their histories against its own workflow code. A run
//! that does not replay (code in another crate read the clock, a dependency iterated a hash
//! map, a global changed between the run and its replay) fails the worker's `run()`, so the
//! test that ran the workflow fails with the replayer's message.
//!
//! [`TestEnvironment`]: crate::testing::TestEnvironment

use std::{
    collections::HashMap,
    fmt,
    sync::{Mutex, PoisonError},
};

use temporalio_common::protos::coresdk::{
    workflow_activation::{WorkflowActivation, workflow_activation_job},
    workflow_commands::workflow_command::Variant,
    workflow_completion::{WorkflowActivationCompletion, workflow_activation_completion::Status},
};

use crate::{
    client::Client,
    interceptor::Interceptors,
    payload::chain_text,
    replay::{ReplayError, Replayer},
    worker::{core::ActivationObserver, registry::Registry},
};

/// One run a worker closed: the ids its history is fetched by.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ClosedRun {
    workflow_id: String,
    run_id: String,
}

/// Sees a worker's activations and completions, and keeps each run whose workflow code ended
/// it (completed, failed, cancelled or continued as new), in the order they closed.
#[derive(Debug, Default)]
pub(crate) struct ClosedRuns {
    state: Mutex<Runs>,
}

#[derive(Debug, Default)]
struct Runs {
    /// The workflow id of each run the worker holds, learnt from the run's first activation.
    open: HashMap<String, String>,
    closed: Vec<ClosedRun>,
}

impl ClosedRuns {
    fn lock(&self) -> std::sync::MutexGuard<'_, Runs> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The runs closed so far, taken.
    fn take(&self) -> Vec<ClosedRun> {
        std::mem::take(&mut self.lock().closed)
    }
}

impl ActivationObserver for ClosedRuns {
    fn activation(&self, activation: &WorkflowActivation) {
        // A run reaches a worker (again, after an eviction) with its initialization job.
        for job in &activation.jobs {
            if let Some(workflow_activation_job::Variant::InitializeWorkflow(init)) = &job.variant {
                self.lock()
                    .open
                    .insert(activation.run_id.clone(), init.workflow_id.clone());
            }
        }
    }

    fn completion(&self, completion: &mut WorkflowActivationCompletion) {
        let Some(Status::Successful(success)) = &completion.status else {
            return;
        };
        let closes = success.commands.iter().any(|command| {
            matches!(
                command.variant,
                Some(
                    Variant::CompleteWorkflowExecution(_)
                        | Variant::FailWorkflowExecution(_)
                        | Variant::CancelWorkflowExecution(_)
                        | Variant::ContinueAsNewWorkflowExecution(_)
                )
            )
        });
        if !closes {
            return;
        }
        let mut runs = self.lock();
        // Taken from the open runs, so a closing completion seen twice counts once.
        if let Some(workflow_id) = runs.open.remove(&completion.run_id) {
            runs.closed.push(ClosedRun {
                workflow_id,
                run_id: completion.run_id.clone(),
            });
        }
    }
}

/// Replays the runs `closed` holds against `registry`'s workflows, their histories fetched
/// through `client` and decoded with its codec.
pub(crate) async fn replay_closed_runs(
    closed: &ClosedRuns,
    client: &Client,
    registry: &Registry,
    interceptors: &Interceptors,
) -> Result<(), ReplayCheckError> {
    let runs = closed.take();
    if runs.is_empty() {
        return Ok(());
    }
    let replayer = Replayer::for_worker(registry.clone(), client.codec().clone(), interceptors);
    let mut failures = Vec::new();
    for run in &runs {
        let handle = client.untyped_handle(run.workflow_id.clone(), Some(run.run_id.clone()));
        let outcome = match handle.fetch_history().await {
            Ok(history) => replayer.replay(&history).await,
            Err(source) => Err(ReplayError::Fetch(Box::new(source))),
        };
        if let Err(error) = outcome {
            failures.push(RunNotReplayed {
                workflow_id: run.workflow_id.clone(),
                run_id: run.run_id.clone(),
                error,
            });
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(ReplayCheckError {
            checked: runs.len(),
            failures,
        })
    }
}

/// Runs a test worker closed whose histories its workflow code does not replay: the code
/// is not deterministic, in a way the compile-time check could not see. Shown one line per
/// run, each with the replayer's message.
pub struct ReplayCheckError {
    checked: usize,
    failures: Vec<RunNotReplayed>,
}

/// One run that did not replay.
#[derive(Debug)]
struct RunNotReplayed {
    workflow_id: String,
    run_id: String,
    error: ReplayError,
}

impl ReplayCheckError {
    /// How many closed runs were replayed.
    pub fn checked(&self) -> usize {
        self.checked
    }

    /// Each run that did not replay: its workflow id, run id, and why.
    pub fn failures(&self) -> impl Iterator<Item = (&str, &str, &ReplayError)> {
        self.failures
            .iter()
            .map(|run| (run.workflow_id.as_str(), run.run_id.as_str(), &run.error))
    }
}

impl fmt::Display for ReplayCheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} of the {} runs this worker closed do not replay against its workflow code \
             (checked as the worker stopped; a run must give the same commands every time \
             its history is replayed):",
            self.failures.len(),
            self.checked
        )?;
        for run in &self.failures {
            write!(
                f,
                "\n  {} (run {}): {}",
                run.workflow_id,
                run.run_id,
                chain_text(&run.error)
            )?;
        }
        Ok(())
    }
}

impl fmt::Debug for ReplayCheckError {
    /// As displayed: a test's `expect` then shows the replayer's message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for ReplayCheckError {
    /// The first run's error; [`failures`](Self::failures) has them all.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.failures
            .first()
            .map(|run| &run.error as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use temporalio_common::protos::coresdk::{
        workflow_activation::{InitializeWorkflow, WorkflowActivationJob},
        workflow_commands::{
            CompleteWorkflowExecution, ContinueAsNewWorkflowExecution, StartTimer, WorkflowCommand,
        },
        workflow_completion::Success,
    };

    use super::*;

    fn first_activation(run_id: &str, workflow_id: &str) -> WorkflowActivation {
        WorkflowActivation {
            run_id: run_id.to_owned(),
            jobs: vec![WorkflowActivationJob {
                variant: Some(workflow_activation_job::Variant::InitializeWorkflow(
                    InitializeWorkflow {
                        workflow_id: workflow_id.to_owned(),
                        ..Default::default()
                    },
                )),
            }],
            ..Default::default()
        }
    }

    fn completion(run_id: &str, command: Variant) -> WorkflowActivationCompletion {
        WorkflowActivationCompletion {
            run_id: run_id.to_owned(),
            status: Some(Status::Successful(Success {
                commands: vec![WorkflowCommand {
                    variant: Some(command),
                    ..Default::default()
                }],
                ..Default::default()
            })),
            ..Default::default()
        }
    }

    #[test]
    fn a_run_counts_once_when_its_code_closes_it_and_not_before() {
        let runs = ClosedRuns::default();
        runs.activation(&first_activation("run-1", "order-1"));
        runs.activation(&first_activation("run-2", "order-2"));
        runs.completion(&mut completion(
            "run-1",
            Variant::StartTimer(StartTimer::default()),
        ));
        assert!(runs.lock().closed.is_empty(), "a timer closes nothing");
        let mut closing = completion(
            "run-1",
            Variant::CompleteWorkflowExecution(CompleteWorkflowExecution::default()),
        );
        runs.completion(&mut closing);
        runs.completion(&mut closing);
        runs.completion(&mut completion(
            "run-2",
            Variant::ContinueAsNewWorkflowExecution(ContinueAsNewWorkflowExecution::default()),
        ));
        // A run this worker never saw start (its first activation went elsewhere).
        runs.completion(&mut completion(
            "run-3",
            Variant::CompleteWorkflowExecution(CompleteWorkflowExecution::default()),
        ));
        let closed = runs.take();
        assert_eq!(
            closed,
            vec![
                ClosedRun {
                    workflow_id: "order-1".into(),
                    run_id: "run-1".into()
                },
                ClosedRun {
                    workflow_id: "order-2".into(),
                    run_id: "run-2".into()
                },
            ]
        );
        assert!(runs.take().is_empty(), "taken");
    }
}
