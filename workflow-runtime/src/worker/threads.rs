//! The workflow threads: workflow code runs on plain OS threads, never on tokio's, so a stray
//! tokio call inside a workflow fails loudly instead of silently working. Runs are sharded by
//! run id, and each thread keeps its runs in its own cache.

use std::{
    collections::HashMap,
    hash::{DefaultHasher, Hash, Hasher},
    panic::AssertUnwindSafe,
    sync::{Arc, mpsc},
    thread,
};

use temporalio_common::protos::coresdk::{
    workflow_activation::WorkflowActivation, workflow_completion::WorkflowActivationCompletion,
};
use tokio::sync::oneshot;

use crate::{
    error::panic_message,
    worker::registry::Registry,
    workflow::run::{
        RunInstance, RunStart, activation_time, eviction, initialization, task_failure,
    },
};

type ActivationJob = (
    WorkflowActivation,
    oneshot::Sender<WorkflowActivationCompletion>,
);

/// Where a thread's runs live: the namespace and task queue they were polled from.
#[derive(Debug, Clone)]
pub(crate) struct RunPlace {
    pub(crate) namespace: String,
    pub(crate) task_queue: String,
}

/// The pool of workflow threads of one worker or replayer.
pub(crate) struct WorkflowThreads {
    senders: Vec<mpsc::Sender<ActivationJob>>,
    handles: Vec<thread::JoinHandle<()>>,
}

impl WorkflowThreads {
    pub(crate) fn start(count: usize, registry: Arc<Registry>, place: RunPlace) -> Self {
        let mut senders = Vec::with_capacity(count);
        let mut handles = Vec::with_capacity(count);
        for index in 0..count {
            let (sender, receiver) = mpsc::channel::<ActivationJob>();
            let registry = Arc::clone(&registry);
            let place = place.clone();
            let handle = thread::Builder::new()
                .name(format!("workflow-{index}"))
                .spawn(move || {
                    let mut runs = HashMap::new();
                    while let Ok((activation, reply)) = receiver.recv() {
                        let run_id = activation.run_id.clone();
                        let completion = std::panic::catch_unwind(AssertUnwindSafe(|| {
                            handle_activation(&mut runs, &registry, &place, activation)
                        }))
                        .unwrap_or_else(|panic| {
                            runs.remove(&run_id);
                            task_failure(
                                &run_id,
                                &format!("workflow thread panicked: {}", panic_message(&*panic)),
                            )
                        });
                        // The receiver is gone only when the worker is stopping.
                        let _ = reply.send(completion);
                    }
                });
            match handle {
                Ok(handle) => {
                    senders.push(sender);
                    handles.push(handle);
                }
                Err(e) => tracing::error!("cannot start workflow thread {index}: {e}"),
            }
        }
        Self { senders, handles }
    }

    /// Sends an activation to its run's thread; the receiver yields the completion.
    pub(crate) fn dispatch(
        &self,
        activation: WorkflowActivation,
    ) -> oneshot::Receiver<WorkflowActivationCompletion> {
        let (reply, receiver) = oneshot::channel();
        let run_id = activation.run_id.clone();
        let mut hasher = DefaultHasher::new();
        run_id.hash(&mut hasher);
        let shard = (hasher.finish() % self.senders.len().max(1) as u64) as usize;
        match self.senders.get(shard) {
            Some(sender) => {
                if let Err(mpsc::SendError((_, reply))) = sender.send((activation, reply)) {
                    let _ = reply.send(task_failure(&run_id, "workflow thread stopped"));
                }
            }
            None => {
                let _ = reply.send(task_failure(&run_id, "no workflow thread could be started"));
            }
        }
        receiver
    }
}

impl Drop for WorkflowThreads {
    fn drop(&mut self) {
        self.senders.clear();
        for handle in self.handles.drain(..) {
            let _ = handle.join();
        }
    }
}

/// Runs one activation on this thread: evicts, starts or continues the run.
fn handle_activation(
    runs: &mut HashMap<String, RunInstance>,
    registry: &Registry,
    place: &RunPlace,
    activation: WorkflowActivation,
) -> WorkflowActivationCompletion {
    let run_id = activation.run_id.clone();
    if let Some(evict) = eviction(&activation) {
        tracing::debug!(run_id = %run_id, reason = evict.reason, message = %evict.message, "evicting workflow run");
        runs.remove(&run_id);
        return WorkflowActivationCompletion::empty(run_id);
    }
    if let Some(init) = initialization(&activation) {
        match registry.workflow(&init.workflow_type) {
            Ok(start) => {
                let run = start(RunStart {
                    run_id: &run_id,
                    namespace: &place.namespace,
                    task_queue: &place.task_queue,
                    timestamp: activation_time(&activation),
                    init,
                });
                runs.insert(run_id.clone(), run);
            }
            Err(message) => {
                tracing::warn!(run_id = %run_id, "{message}");
                return task_failure(&run_id, &message);
            }
        }
    }
    match runs.get_mut(&run_id) {
        Some(run) => run.activate(activation),
        None => task_failure(
            &run_id,
            "no cached state for this run and no InitializeWorkflow job to rebuild it",
        ),
    }
}
