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

use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex, Weak},
};

use prost::Message;
use temporalio_common::protos::{
    coresdk::{
        workflow_activation::{WorkflowActivation, remove_from_cache::EvictionReason},
        workflow_completion::{WorkflowActivationCompletion, workflow_activation_completion},
    },
    temporal::api::history::v1::{History, HistoryEvent, history_event::Attributes},
};
use temporalio_sdk_core::{
    Worker as CoreWorker, init_replay_worker,
    replay::{HistoryForReplay, ReplayWorkerInput},
};

use crate::{
    worker::{
        DEFAULT_DEADLOCK_TIMEOUT,
        core::{ActivationObserver, Completions, CoreSettings, evict_through, workflow_loop},
        registry::Registry,
        threads::{RunPlace, ThreadSettings, WorkflowThreads},
    },
    workflow::{WorkflowDefinition, run::eviction},
};

/// Errors core reports, kept whole as the source of a [`ReplayError`].
type CoreError = Box<dyn std::error::Error + Send + Sync>;

/// A history did not replay cleanly, or could not be replayed.
#[derive(Debug, thiserror::Error)]
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
    /// The history file could not be read.
    #[error("cannot read the history file {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The history file is not a binary protobuf `History`.
    #[error("{} is not a binary protobuf History (temporal.api.history.v1.History)", path.display())]
    Decode {
        /// The file.
        path: PathBuf,
        /// The protobuf error.
        #[source]
        source: prost::DecodeError,
    },
    /// The events do not form a workflow history.
    #[error("not a workflow history: {0}")]
    InvalidHistory(String),
    /// Core could not run the replay.
    #[error("cannot run the replay")]
    Core(#[source] CoreError),
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
        let bytes = std::fs::read(path).map_err(|source| ReplayError::Read {
            path: path.to_owned(),
            source,
        })?;
        let history = History::decode(bytes.as_slice()).map_err(|source| ReplayError::Decode {
            path: path.to_owned(),
            source,
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
            return Err(ReplayError::InvalidHistory(
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
        let settings = CoreSettings {
            namespace: "default".to_owned(),
            task_queue,
            identity: "replayer".to_owned(),
            workflows: true,
            activities: false,
            max_cached_workflows: 1,
            max_concurrent_workflow_tasks: 2,
            max_concurrent_activities: None,
            graceful_shutdown: None,
        };
        let config = settings
            .config()
            .map_err(|message| ReplayError::Core(message.into()))?;
        let history = HistoryForReplay::new(History { events }, "replay");
        let core = init_replay_worker(ReplayWorkerInput::new(
            config,
            futures::stream::iter([history]),
        ))
        .map_err(|e| ReplayError::Core(e.into()))?;
        let core = Arc::new(core);
        let threads = WorkflowThreads::start(ThreadSettings {
            count: 1,
            registry: Arc::new(self.registry.clone()),
            place: RunPlace {
                namespace: settings.namespace,
                task_queue: settings.task_queue,
            },
            // A replay stuck in blocking workflow code fails with the deadlock message, as on
            // a worker.
            deadlock_timeout: Some(DEFAULT_DEADLOCK_TIMEOUT),
            evict: evict_through(&core),
        });
        let verdict = Arc::new(Verdict {
            workflow_type,
            core: Arc::downgrade(&core),
            first_problem: Mutex::new(None),
        });
        let polled = workflow_loop(&core, &threads, verdict.clone(), Completions::InOrder).await;
        drop(threads);
        let problem = verdict.take();
        drop(verdict);
        core.shutdown().await;
        match Arc::try_unwrap(core) {
            Ok(core) => core.finalize_shutdown().await,
            Err(_) => {
                tracing::warn!("replay worker finalization skipped: core is still referenced")
            }
        }
        match (problem, polled) {
            (Some(problem), _) => Err(problem),
            (None, Err(e)) => Err(ReplayError::Core(e.into())),
            (None, Ok(())) => Ok(()),
        }
    }
}

/// Watches a replay for the first sign of trouble and stops it there.
struct Verdict {
    workflow_type: String,
    core: Weak<CoreWorker>,
    first_problem: Mutex<Option<ReplayError>>,
}

impl Verdict {
    fn record(&self, problem: ReplayError) {
        let mut first = self.first_problem.lock().unwrap_or_else(|e| e.into_inner());
        if first.is_none() {
            *first = Some(problem);
            if let Some(core) = self.core.upgrade() {
                core.initiate_shutdown();
            }
        }
    }

    fn take(&self) -> Option<ReplayError> {
        self.first_problem
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }
}

impl ActivationObserver for Verdict {
    fn activation(&self, activation: &WorkflowActivation) {
        // Core evicts a run whose replayed commands do not match the history.
        if let Some(evict) = eviction(activation)
            && matches!(
                evict.reason(),
                EvictionReason::Nondeterminism | EvictionReason::Fatal
            )
        {
            self.record(ReplayError::Nondeterminism {
                workflow_type: self.workflow_type.clone(),
                message: evict.message.clone(),
            });
        }
    }

    fn completion(&self, completion: &mut WorkflowActivationCompletion) {
        if let Some(workflow_activation_completion::Status::Failed(failed)) = &completion.status {
            self.record(ReplayError::TaskFailed {
                workflow_type: self.workflow_type.clone(),
                message: failed
                    .failure
                    .as_ref()
                    .map(|f| f.message.clone())
                    .unwrap_or_default(),
            });
        }
    }
}
