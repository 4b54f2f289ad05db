//! Replays recorded histories against the registered workflow code: the run-time check that a
//! code change is still deterministic. Core compares the commands the code produces with the
//! events in the history; where they part, the replay names the workflow, the event, what the
//! history holds and what the code did.
//!
//! Histories come from JSON files (`temporal workflow show -o json`, the Temporal UI's
//! download), binary protobuf files, whole folders of either, or the server through
//! [`WorkflowHandle::fetch_history`](crate::WorkflowHandle::fetch_history).
//!
//! ```no_run
//! # use workflow_runtime::prelude::*;
//! # #[derive(Default)] pub struct OrderWorkflow;
//! # #[workflow] impl OrderWorkflow { #[run] async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> { Ok(()) } }
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use workflow_runtime::replay::Replayer;
//! let replayer = Replayer::new().workflow::<OrderWorkflow>();
//! // One file, JSON or binary:
//! replayer.replay_file("histories/order-17.json").await?;
//! // A folder of them, each reported on its own:
//! let report = replayer.replay_dir("histories").await?;
//! for (workflow_id, error) in report.failures() {
//!     eprintln!("{workflow_id}: {error}");
//! }
//! # Ok(()) }
//! ```

use std::{
    path::Path,
    sync::{Arc, Mutex, Weak},
};

use temporalio_common::protos::{
    coresdk::{
        workflow_activation::{WorkflowActivation, remove_from_cache::EvictionReason},
        workflow_completion::{WorkflowActivationCompletion, workflow_activation_completion},
    },
    temporal::api::history::v1::History,
};
use temporalio_sdk_core::{
    Worker as CoreWorker, init_replay_worker,
    replay::{HistoryForReplay, ReplayWorkerInput},
};

use crate::{
    codec::{Codec, PayloadCodec},
    foreign_text::is_failing_workflow_task_warning,
    interceptor::Interceptors,
    worker::{
        core::{ActivationObserver, CoreSettings},
        core_warnings::without_core_warning,
        registry::Registry,
        single_thread::SingleThreadLoop,
        threads::RunPlace,
        watchdog::DEFAULT_DEADLOCK_TIMEOUT,
    },
    workflow::{
        WorkflowDefinition,
        run::{eviction, eviction_message},
    },
};

mod report;
mod server;

pub use crate::history::{HistoryError, WorkflowHistory};
use report::{CoreError, TaskCommands, mismatch};
pub use report::{Mismatch, ReplayError, ReplayReport};
pub use server::{ReplayedRun, ServerReplayReport, ServerRuns};

/// Replays histories against registered workflows. One replayer serves any number of
/// replays, one history at a time.
#[derive(Default)]
pub struct Replayer {
    registry: Registry,
    codec: Codec,
    /// A worker's interceptors, when the replayer checks that worker's runs.
    interceptors: Interceptors,
}

impl std::fmt::Debug for Replayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replayer")
            .field("registry", &self.registry)
            .field("codec", &self.codec)
            .finish_non_exhaustive()
    }
}

impl Replayer {
    /// A replayer with no workflows.
    pub fn new() -> Self {
        Self::default()
    }

    /// A replayer of a worker's workflows, as that worker runs them.
    pub(crate) fn for_worker(
        registry: Registry,
        codec: Codec,
        interceptors: &Interceptors,
    ) -> Self {
        Self {
            registry,
            codec,
            interceptors: interceptors.clone(),
        }
    }

    /// Registers a workflow type.
    pub fn workflow<W: WorkflowDefinition>(mut self) -> Self {
        self.registry.add_workflow::<W>();
        self
    }

    /// Decodes the histories' payloads with `codec`, as the workers that wrote them encoded
    /// them ([`ClientOptions::payload_codec`](crate::ClientOptions::payload_codec)). Without
    /// one, [`replay_from_server`](Self::replay_from_server) uses its client's codec.
    pub fn payload_codec(mut self, codec: impl PayloadCodec) -> Self {
        self.codec = Codec::new(codec);
        self
    }

    /// Replays a history file, JSON or binary protobuf.
    pub async fn replay_file(&self, path: impl AsRef<Path>) -> Result<(), ReplayError> {
        let history = WorkflowHistory::from_file(path)?;
        self.replay(&history).await
    }

    /// Replays every history file in a folder (`*.json`, `*.binpb`, `*.pb`, sorted by name)
    /// and reports on each; a file that cannot be read is reported under its name. Fails only
    /// when the folder itself cannot be read.
    pub async fn replay_dir(&self, folder: impl AsRef<Path>) -> Result<ReplayReport, ReplayError> {
        let files = crate::history::history_files(folder.as_ref())?;
        let mut report = ReplayReport::default();
        for file in files {
            let outcome = match WorkflowHistory::from_file(&file) {
                Ok(history) => {
                    let outcome = self.replay(&history).await;
                    (history.workflow_id().to_owned(), outcome)
                }
                Err(error) => (file.display().to_string(), Err(error.into())),
            };
            report.outcomes.push(outcome);
        }
        Ok(report)
    }

    /// Replays each history and reports on each, in order.
    pub async fn replay_all(
        &self,
        histories: impl IntoIterator<Item = WorkflowHistory>,
    ) -> ReplayReport {
        let mut report = ReplayReport::default();
        for history in histories {
            let outcome = self.replay(&history).await;
            report
                .outcomes
                .push((history.workflow_id().to_owned(), outcome));
        }
        report
    }

    /// Replays one workflow run.
    pub async fn replay(&self, history: &WorkflowHistory) -> Result<(), ReplayError> {
        self.replay_decoded_by(history, &self.codec).await
    }

    /// Replays one workflow run, its payloads decoded by `codec`.
    async fn replay_decoded_by(
        &self,
        history: &WorkflowHistory,
        codec: &Codec,
    ) -> Result<(), ReplayError> {
        let task_queue = match history.task_queue() {
            "" => "replay".to_owned(),
            queue => queue.to_owned(),
        };
        let settings = CoreSettings {
            namespace: "default".to_owned(),
            task_queue,
            identity: "replayer".to_owned(),
            workflows: true,
            activities: false,
            // Core replays local activities from their markers.
            local_activities: false,
            max_cached_workflows: 1,
            max_concurrent_workflow_tasks: 2,
            max_concurrent_activities: None,
            max_concurrent_local_activities: None,
            eager_activities: false,
            max_activities_per_second: None,
            max_task_queue_activities_per_second: None,
            graceful_shutdown: None,
            sticky_queue_timeout: None,
            versioning: None,
        };
        let config = settings
            .config()
            .map_err(|message| ReplayError::Core(message.into()))?;
        let for_core = HistoryForReplay::new(
            History {
                events: history.events().to_vec(),
            },
            history.workflow_id().to_owned(),
        );
        let core = init_replay_worker(ReplayWorkerInput::new(
            config,
            futures::stream::iter([for_core]),
        ))
        .map_err(|e| ReplayError::Core(e.into()))?;
        let core = Arc::new(core);
        let verdict = Arc::new(Verdict {
            workflow_id: history.workflow_id().to_owned(),
            workflow_type: history.workflow_type().to_owned(),
            core: Arc::downgrade(&core),
            task: Mutex::new(TaskCommands::default()),
            first_problem: Mutex::new(None),
        });
        let replay_loop = SingleThreadLoop {
            core: Arc::clone(&core),
            observer: verdict.clone(),
            codec: codec.clone(),
            registry: Arc::new(self.registry.clone()),
            place: RunPlace {
                namespace: settings.namespace,
                task_queue: settings.task_queue,
                meter: None,
                versioned: false,
                interceptors: self.interceptors.clone(),
            },
            // A replay stuck in blocking workflow code fails with the deadlock message, as on
            // a worker.
            deadlock_timeout: DEFAULT_DEADLOCK_TIMEOUT,
        };
        // A divergence is this replay's result; core's warning would repeat it as a dump.
        let polled =
            without_core_warning(is_failing_workflow_task_warning, replay_loop.run()).await;
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
            (Some(Problem::Mismatch { task, detail }), _) => {
                Err(ReplayError::Nondeterminism(Box::new(mismatch(
                    history.workflow_id(),
                    history.workflow_type(),
                    history.events(),
                    &task,
                    detail,
                ))))
            }
            (Some(Problem::Failed(problem)), _) => Err(problem),
            (None, Err(e)) => Err(ReplayError::Core(CoreError::from(e))),
            (None, Ok(())) => Ok(()),
        }
    }
}

/// Watches a replay: keeps the commands of the current workflow task, and stops the replay at
/// the first sign of trouble.
struct Verdict {
    workflow_id: String,
    workflow_type: String,
    core: Weak<CoreWorker>,
    task: Mutex<TaskCommands>,
    first_problem: Mutex<Option<Problem>>,
}

/// The first trouble a replay met.
enum Problem {
    /// Core found the commands of `task` at odds with the history; the mismatch is worked out
    /// against the history once the replay stops.
    Mismatch {
        task: TaskCommands,
        detail: String,
    },
    Failed(ReplayError),
}

impl Verdict {
    fn record(&self, problem: Problem) {
        let mut first = self.first_problem.lock().unwrap_or_else(|e| e.into_inner());
        if first.is_none() {
            *first = Some(problem);
            if let Some(core) = self.core.upgrade() {
                core.initiate_shutdown();
            }
        }
    }

    fn take(&self) -> Option<Problem> {
        self.first_problem
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }
}

impl ActivationObserver for Verdict {
    fn activation(&self, activation: &WorkflowActivation) {
        let mut task = self.task.lock().unwrap_or_else(|e| e.into_inner());
        // Core evicts a run whose replayed commands do not match the history.
        if let Some(evict) = eviction(activation) {
            if matches!(
                evict.reason(),
                EvictionReason::Nondeterminism | EvictionReason::Fatal
            ) {
                let commands = std::mem::take(&mut *task);
                drop(task);
                self.record(Problem::Mismatch {
                    task: commands,
                    detail: eviction_message(evict),
                });
            }
            return;
        }
        // A new workflow task starts where the history has grown; activations within one
        // task add to its commands.
        if activation.history_length != task.history_length {
            *task = TaskCommands {
                history_length: activation.history_length,
                commands: Vec::new(),
            };
        }
    }

    fn completion(&self, completion: &mut WorkflowActivationCompletion) {
        match &completion.status {
            Some(workflow_activation_completion::Status::Successful(success)) => {
                let mut task = self.task.lock().unwrap_or_else(|e| e.into_inner());
                task.commands.extend(success.commands.iter().cloned());
            }
            Some(workflow_activation_completion::Status::Failed(failed)) => {
                self.record(Problem::Failed(ReplayError::TaskFailed {
                    workflow_id: self.workflow_id.clone(),
                    workflow_type: self.workflow_type.clone(),
                    message: failed
                        .failure
                        .as_ref()
                        .map(|f| f.message.clone())
                        .unwrap_or_default(),
                }));
            }
            None => {}
        }
    }
}
