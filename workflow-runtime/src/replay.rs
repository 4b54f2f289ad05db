//! Replays recorded histories against the registered workflow code: the run-time check that a
//! code change is still deterministic. Core compares the commands the code produces with the
//! events in the history; a mismatch fails the replay with core's description of the event and
//! the command.
//!
//! ```no_run
//! # use workflow_runtime::prelude::*;
//! # #[derive(Default)] pub struct OrderWorkflow;
//! # #[workflow] impl OrderWorkflow { #[run] async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> { Ok(()) } }
//! # async fn demo(history: Vec<workflow_runtime::protos::temporal::api::history::v1::HistoryEvent>) -> Result<(), Box<dyn std::error::Error>> {
//! use workflow_runtime::replay::Replayer;
//! let replayer = Replayer::new().workflow::<OrderWorkflow>();
//! replayer.replay_events(history).await?;
//! # Ok(()) }
//! ```

use std::{path::Path, sync::Arc};

use prost::Message;
use temporalio_common::{
    protos::{
        coresdk::{
            workflow_activation::{remove_from_cache::EvictionReason, workflow_activation_job},
            workflow_completion::workflow_activation_completion,
        },
        temporal::api::history::v1::{History, HistoryEvent, history_event::Attributes},
    },
    worker::WorkerTaskTypes,
};
use temporalio_sdk_core::{
    PollError, WorkerConfig, WorkerVersioningStrategy, init_replay_worker,
    replay::{HistoryForReplay, ReplayWorkerInput},
};

use crate::{definition::WorkflowDefinition, registry::Registry, worker::WorkflowThreads};

/// A history did not replay cleanly.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// The workflow code produced different commands than the history records.
    #[error("nondeterminism replaying workflow `{workflow_type}`: {message}")]
    Nondeterminism {
        /// The workflow type.
        workflow_type: String,
        /// Core's description: the event expected and the command produced.
        message: String,
    },
    /// A workflow task failed while replaying (panic, unknown workflow type, ...).
    #[error("workflow task failed replaying workflow `{workflow_type}`: {message}")]
    TaskFailed {
        /// The workflow type.
        workflow_type: String,
        /// The failure's message.
        message: String,
    },
    /// The history could not be read or the replay worker not started.
    #[error("cannot replay: {0}")]
    Setup(String),
}

/// Replays histories against registered workflows. One replayer serves any number of
/// replays, one at a time.
#[derive(Debug, Default)]
pub struct Replayer {
    registry: Registry,
}

impl Replayer {
    /// A replayer with no workflows.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a workflow type.
    pub fn workflow<W: WorkflowDefinition>(mut self) -> Self {
        self.registry.add_workflow::<W>();
        self
    }

    /// Replays a history saved as binary protobuf (`temporal.api.history.v1.History`).
    pub async fn replay_file(&self, path: impl AsRef<Path>) -> Result<(), ReplayError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path)
            .map_err(|e| ReplayError::Setup(format!("cannot read {}: {e}", path.display())))?;
        let history = History::decode(bytes.as_slice()).map_err(|e| {
            ReplayError::Setup(format!(
                "{} is not a binary protobuf History: {e}",
                path.display()
            ))
        })?;
        self.replay_events(history.events).await
    }

    /// Replays the events of one workflow run.
    pub async fn replay_events(&self, events: Vec<HistoryEvent>) -> Result<(), ReplayError> {
        let started = events.first().and_then(|e| match &e.attributes {
            Some(Attributes::WorkflowExecutionStartedEventAttributes(started)) => Some(started),
            _ => None,
        });
        let Some(started) = started else {
            return Err(ReplayError::Setup(
                "the history does not start with WorkflowExecutionStarted".to_owned(),
            ));
        };
        let workflow_type = started
            .workflow_type
            .as_ref()
            .map(|t| t.name.clone())
            .unwrap_or_default();
        let task_queue = started
            .task_queue
            .as_ref()
            .map(|q| q.name.clone())
            .unwrap_or_else(|| "replay".to_owned());
        let config = WorkerConfig::builder()
            .namespace("default")
            .task_queue(task_queue.clone())
            .client_identity_override("replayer".to_owned())
            .task_types(WorkerTaskTypes::workflow_only())
            .versioning_strategy(WorkerVersioningStrategy::None {
                build_id: String::new(),
            })
            .max_cached_workflows(1_usize)
            .max_outstanding_workflow_tasks(2_usize)
            .build()
            .map_err(ReplayError::Setup)?;
        let history = HistoryForReplay::new(History { events }, "replay");
        let core = init_replay_worker(ReplayWorkerInput::new(
            config,
            futures::stream::iter([history]),
        ))
        .map_err(|e| ReplayError::Setup(e.to_string()))?;
        let threads = WorkflowThreads::start(
            1,
            Arc::new(self.registry.clone()),
            "default".to_owned(),
            task_queue,
        );
        let mut outcome = Ok(());
        loop {
            let activation = match core.poll_workflow_activation().await {
                Ok(activation) => activation,
                Err(PollError::ShutDown) => break,
                Err(e) => {
                    outcome = outcome.and(Err(ReplayError::Setup(e.to_string())));
                    break;
                }
            };
            let eviction = activation.jobs.iter().find_map(|job| match &job.variant {
                Some(workflow_activation_job::Variant::RemoveFromCache(evict)) => {
                    Some(evict.clone())
                }
                _ => None,
            });
            if let Some(evict) = eviction
                && outcome.is_ok()
                && matches!(
                    evict.reason(),
                    EvictionReason::Nondeterminism | EvictionReason::Fatal
                )
            {
                outcome = Err(ReplayError::Nondeterminism {
                    workflow_type: workflow_type.clone(),
                    message: evict.message,
                });
                core.initiate_shutdown();
            }
            let completion = threads
                .dispatch(activation)
                .await
                .map_err(|_| ReplayError::Setup("workflow thread stopped".to_owned()))?;
            if let Some(workflow_activation_completion::Status::Failed(failed)) = &completion.status
                && outcome.is_ok()
            {
                outcome = Err(ReplayError::TaskFailed {
                    workflow_type: workflow_type.clone(),
                    message: failed
                        .failure
                        .as_ref()
                        .map(|f| f.message.clone())
                        .unwrap_or_default(),
                });
                core.initiate_shutdown();
            }
            if let Err(e) = core.complete_workflow_activation(completion).await {
                outcome = outcome.and(Err(ReplayError::Setup(e.to_string())));
            }
        }
        core.shutdown().await;
        core.finalize_shutdown().await;
        outcome
    }
}
