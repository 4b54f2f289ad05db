//! The bridge to core: one worker configuration and the steps of polling and completing a
//! workflow activation, shared by the worker and the replayer, and the worker's loop.

use std::{sync::Arc, time::Duration};

use temporalio_common::{
    protos::coresdk::{
        workflow_activation::WorkflowActivation,
        workflow_commands::{
            QueryResult, UpdateResponse, query_result, update_response, workflow_command,
        },
        workflow_completion::{WorkflowActivationCompletion, workflow_activation_completion},
    },
    worker::WorkerTaskTypes,
};
use temporalio_sdk_core::{
    PollError, Worker as CoreWorker, WorkerConfig, WorkerVersioningStrategy,
};
use tokio::{sync::oneshot, task::JoinSet};
use tracing::instrument::WithSubscriber;

use crate::{
    codec::{Codec, CodecError},
    deployment::WorkerVersioning,
    error::FailureEncoding,
    payload::{
        chain_text,
        size::{Oversized, largest_over, mebibytes},
    },
    worker::threads::{Evict, WorkflowThreads},
    workflow::run::task_failure,
};

/// What this runtime asks of core for one task queue.
#[derive(Debug, Clone)]
pub(crate) struct CoreSettings {
    pub(crate) namespace: String,
    pub(crate) task_queue: String,
    pub(crate) identity: String,
    pub(crate) workflows: bool,
    /// Whether the worker polls the task queue for activities.
    pub(crate) activities: bool,
    /// Whether the workflows' local activities run here (they need workflows).
    pub(crate) local_activities: bool,
    pub(crate) max_cached_workflows: usize,
    pub(crate) max_concurrent_workflow_tasks: usize,
    pub(crate) max_concurrent_activities: Option<usize>,
    pub(crate) max_concurrent_local_activities: Option<usize>,
    /// Whether activities this worker schedules on its own task queue may start on it at once,
    /// in the answer to the workflow task that scheduled them.
    pub(crate) eager_activities: bool,
    /// The most activities per second this worker starts.
    pub(crate) max_activities_per_second: Option<f64>,
    /// The most activities per second the server hands out on the task queue, to all workers.
    pub(crate) max_task_queue_activities_per_second: Option<f64>,
    pub(crate) graceful_shutdown: Option<Duration>,
    /// How long a task may wait on this worker's sticky queue before any worker may take it.
    pub(crate) sticky_queue_timeout: Option<Duration>,
    /// The deployment version the worker runs, when it uses worker versioning.
    pub(crate) versioning: Option<WorkerVersioning>,
}

impl CoreSettings {
    /// Core's worker configuration; core explains what it refuses.
    pub(crate) fn config(&self) -> Result<WorkerConfig, String> {
        WorkerConfig::builder()
            .namespace(self.namespace.clone())
            .task_queue(self.task_queue.clone())
            .client_identity_override(self.identity.clone())
            .task_types(WorkerTaskTypes {
                enable_workflows: self.workflows,
                enable_local_activities: self.local_activities,
                enable_remote_activities: self.activities,
                enable_nexus: false,
            })
            .versioning_strategy(match &self.versioning {
                Some(versioning) => {
                    WorkerVersioningStrategy::WorkerDeploymentBased(versioning.core_options())
                }
                None => WorkerVersioningStrategy::None {
                    build_id: String::new(),
                },
            })
            .max_cached_workflows(self.max_cached_workflows)
            .max_outstanding_workflow_tasks(self.max_concurrent_workflow_tasks)
            .maybe_max_outstanding_activities(self.max_concurrent_activities)
            .maybe_max_outstanding_local_activities(self.max_concurrent_local_activities)
            .max_eager_activity_reservations_per_workflow_task(if self.eager_activities {
                // Core's default, as in the other SDKs.
                3
            } else {
                0
            })
            .maybe_max_worker_activities_per_second(self.max_activities_per_second)
            .maybe_max_task_queue_activities_per_second(self.max_task_queue_activities_per_second)
            .maybe_graceful_shutdown_period(self.graceful_shutdown)
            .maybe_sticky_queue_schedule_to_start_timeout(self.sticky_queue_timeout)
            .build()
    }
}

/// Evicts runs through `core`, for the workflow threads' deadlock watchdog; does nothing once
/// core is gone.
pub(crate) fn evict_through(core: &Arc<CoreWorker>) -> Evict {
    let core = Arc::downgrade(core);
    Arc::new(move |run_id| {
        if let Some(core) = core.upgrade() {
            core.request_workflow_eviction(run_id);
        }
    })
}

/// Sees each activation and its completion as they pass through the loop: the replayer uses
/// it to stop at the first sign of nondeterminism, the worker to encode outgoing failures.
pub(crate) trait ActivationObserver: Send + Sync + 'static {
    /// An activation core handed out, before it runs.
    fn activation(&self, _activation: &WorkflowActivation) {}
    /// The completion about to be sent back; it may be adjusted.
    fn completion(&self, _completion: &mut WorkflowActivationCompletion) {}
}

/// Two observers, shown each activation and completion in turn.
pub(crate) struct Both<A, B>(pub(crate) A, pub(crate) B);

impl<A: ActivationObserver, B: ActivationObserver> ActivationObserver for Both<A, B> {
    fn activation(&self, activation: &WorkflowActivation) {
        self.0.activation(activation);
        self.1.activation(activation);
    }

    fn completion(&self, completion: &mut WorkflowActivationCompletion) {
        self.0.completion(completion);
        self.1.completion(completion);
    }
}

/// An observer that may be absent.
impl<O: ActivationObserver> ActivationObserver for Option<O> {
    fn activation(&self, activation: &WorkflowActivation) {
        if let Some(observer) = self {
            observer.activation(activation);
        }
    }

    fn completion(&self, completion: &mut WorkflowActivationCompletion) {
        if let Some(observer) = self {
            observer.completion(completion);
        }
    }
}

/// An observer shared with whoever reads what it saw.
impl<O: ActivationObserver> ActivationObserver for Arc<O> {
    fn activation(&self, activation: &WorkflowActivation) {
        (**self).activation(activation);
    }

    fn completion(&self, completion: &mut WorkflowActivationCompletion) {
        (**self).completion(completion);
    }
}

/// The worker's observer: applies its failure encoding to every failure a completion carries
/// (a failed task, a failed workflow, a rejected update, a failed query).
pub(crate) struct EncodeFailures(pub(crate) FailureEncoding);

impl ActivationObserver for EncodeFailures {
    fn completion(&self, completion: &mut WorkflowActivationCompletion) {
        use workflow_activation_completion::Status;
        let encoding = self.0;
        match &mut completion.status {
            Some(Status::Failed(failed)) => {
                if let Some(failure) = &mut failed.failure {
                    encoding.apply(failure);
                }
            }
            Some(Status::Successful(success)) => {
                for command in &mut success.commands {
                    let failure = match &mut command.variant {
                        Some(workflow_command::Variant::FailWorkflowExecution(fail)) => {
                            fail.failure.as_mut()
                        }
                        Some(workflow_command::Variant::UpdateResponse(UpdateResponse {
                            response: Some(update_response::Response::Rejected(failure)),
                            ..
                        })) => Some(failure),
                        Some(workflow_command::Variant::RespondToQuery(QueryResult {
                            variant: Some(query_result::Variant::Failed(failure)),
                            ..
                        })) => Some(failure),
                        _ => None,
                    };
                    if let Some(failure) = failure {
                        encoding.apply(failure);
                    }
                }
            }
            None => {}
        }
    }
}

/// What the next poll of core gave.
pub(crate) enum Polled {
    /// An activation to run, its payloads decoded.
    Run(WorkflowActivation),
    /// An activation answered already: its payloads could not be decoded.
    Answered(Box<WorkflowActivationCompletion>),
}

/// Polls core for the next workflow activation, shows it to `observer`, and decodes its
/// payloads with `codec`; a codec error answers the activation with a failed workflow task,
/// which the server retries. Decoding happens here, between polls: a codec that waits on a
/// remote service slows polling.
pub(crate) async fn poll_activation(
    core: &CoreWorker,
    observer: &dyn ActivationObserver,
    codec: &Codec,
) -> Result<Polled, PollError> {
    let mut activation = core.poll_workflow_activation().await?;
    observer.activation(&activation);
    Ok(match codec.decode(&mut activation).await {
        Ok(()) => Polled::Run(activation),
        Err(error) => Polled::Answered(Box::new(codec_task_failure(
            &activation.run_id,
            "decode",
            &error,
        ))),
    })
}

/// Sends an activation's completion to core: shows it to `observer`, then encodes its payloads
/// with `codec`. A codec error, or a payload over `payload_limit` (the namespace's, on a
/// worker), fails the workflow task instead; the oversized failure names the field, both sizes
/// and the fix, where core's own check would give neither.
pub(crate) async fn complete_activation(
    core: &CoreWorker,
    observer: &dyn ActivationObserver,
    codec: &Codec,
    payload_limit: Option<usize>,
    mut completion: WorkflowActivationCompletion,
) {
    let run_id = completion.run_id.clone();
    observer.completion(&mut completion);
    if let Err(error) = codec.encode(&mut completion).await {
        completion = codec_task_failure(&run_id, "encode", &error);
    }
    if let Some(limit) = payload_limit
        && let Some(oversized) = largest_over(&mut completion, limit).await
    {
        completion = oversized_task_failure(&run_id, &oversized, limit);
    }
    if let Err(e) = core.complete_workflow_activation(completion).await {
        tracing::error!(run_id = %run_id, "cannot complete workflow activation: {e}");
    }
}

/// The worker's loop: polls workflow activations until core shuts down, runs each on its
/// run's workflow thread, and completes each in a task of its own, so a slow run never holds
/// up polling for the others. Every activation is answered, evictions included.
pub(crate) async fn workflow_loop(
    core: &Arc<CoreWorker>,
    threads: &WorkflowThreads,
    observer: Arc<dyn ActivationObserver>,
    codec: &Codec,
    payload_limit: Option<usize>,
) -> Result<(), PollError> {
    let mut completions = JoinSet::new();
    let result = loop {
        let (run_id, reply) = match poll_activation(core, &*observer, codec).await {
            Ok(Polled::Run(activation)) => {
                (activation.run_id.clone(), threads.dispatch(activation))
            }
            Ok(Polled::Answered(completion)) => {
                let (answer, reply) = oneshot::channel();
                let run_id = completion.run_id.clone();
                let _ = answer.send(*completion);
                (run_id, reply)
            }
            Err(PollError::ShutDown) => break Ok(()),
            Err(e) => break Err(e),
        };
        let core = Arc::clone(core);
        let observer = Arc::clone(&observer);
        let codec = codec.clone();
        let complete = async move {
            let completion = match reply.await {
                Ok(completion) => completion,
                Err(_) => task_failure(&run_id, "workflow thread stopped"),
            };
            complete_activation(&core, &*observer, &codec, payload_limit, completion).await;
        };
        // Under the loop's subscriber, which folds retry warnings (`outage.rs`).
        completions.spawn(complete.with_current_subscriber());
        while completions.try_join_next().is_some() {}
    };
    while completions.join_next().await.is_some() {}
    result
}

/// The failed workflow task that answers an activation whose payloads the codec could not
/// decode, or whose completion it could not encode. The message names the run and the codec's
/// error, never a payload.
/// A workflow task failure for a completion whose payloads exceed the namespace's limit.
fn oversized_task_failure(
    run_id: &str,
    oversized: &Oversized,
    limit: usize,
) -> WorkflowActivationCompletion {
    let message = format!(
        "this workflow task's `{}` is {}, over this namespace's limit of {} per payload set; \
         the task fails and is retried until the workflow's code sends less. Keep large data out \
         of Temporal: store it (a blob store, a database) and pass a reference, such as its key",
        oversized.field,
        mebibytes(oversized.size),
        mebibytes(limit),
    );
    tracing::warn!(run_id = %run_id, "{message}");
    task_failure(run_id, &message)
}

fn codec_task_failure(
    run_id: &str,
    what: &str,
    error: &CodecError,
) -> WorkflowActivationCompletion {
    let message = format!(
        "the payload codec cannot {what} the payloads of this workflow task: {}",
        chain_text(error)
    );
    tracing::warn!(run_id = %run_id, "{message}");
    task_failure(run_id, &message)
}
