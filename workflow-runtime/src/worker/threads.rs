//! The workflow threads: workflow code runs on plain OS threads, never on tokio's, so a stray
//! tokio call inside a workflow fails loudly instead of silently working. Runs are sharded by
//! run id; each shard's thread keeps its runs in its own cache.
//!
//! A watchdog guards against workflow code that blocks its thread (deadlock detection, as in
//! the Python, TypeScript and Go SDKs). An activation that runs longer than the deadlock
//! timeout is answered by the watchdog with a task failure naming the workflow and the code it
//! was running; the stuck thread is abandoned and a fresh thread takes over the shard's queue.
//! The runs cached on the stuck thread are lost with it: the watchdog asks core to evict them,
//! so they replay on the fresh thread, and the fresh thread fails an activation of a lost run
//! that core had already handed out. The stuck run moves to a quarantine shard of its own, so
//! that its retried task, which usually blocks again, stalls no other run. Every activation
//! is answered exactly once: by the thread
//! that took it or by the watchdog, whichever takes its reply first from the shard's state;
//! an abandoned thread's late completion is dropped.

use std::{
    collections::{HashMap, HashSet},
    hash::{DefaultHasher, Hash, Hasher},
    panic::AssertUnwindSafe,
    sync::{Arc, Mutex, PoisonError},
    thread,
    time::{Duration, Instant},
};

use temporalio_common::protos::coresdk::{
    workflow_activation::{WorkflowActivation, remove_from_cache::EvictionReason},
    workflow_completion::WorkflowActivationCompletion,
};
use tokio::sync::oneshot;

use super::{
    shard::{Job, Lost, Reply, Running, Shard, ShardState, lock},
    watchdog::{NO_THREAD, Watchdog, WatchdogThread},
};
use crate::metrics::UserMeter;
use crate::{
    error::panic_message,
    interceptor::Interceptors,
    now_running::{self, NowRunning},
    worker::registry::Registry,
    workflow::run::{
        RunInstance, RunStart, activation_time, eviction, eviction_message, initialization,
        run_label, task_failure,
    },
};

/// Where a thread's runs live: the namespace and task queue they were polled from.
#[derive(Debug, Clone)]
pub(crate) struct RunPlace {
    pub(crate) namespace: String,
    pub(crate) task_queue: String,
    /// Where the metrics workflow code records go.
    pub(crate) meter: Option<UserMeter>,
    /// Whether the worker runs a deployment version, so runs report their versioning
    /// behaviour (the server refuses one from an unversioned worker).
    pub(crate) versioned: bool,
    /// The interceptors told of each run's inbound and outbound calls.
    pub(crate) interceptors: Interceptors,
}

pub(crate) use super::shard::Evict;

/// How the workflow threads of one worker are set up.
pub(crate) struct ThreadSettings {
    /// How many threads (shards).
    pub(crate) count: usize,
    pub(crate) registry: Arc<Registry>,
    pub(crate) place: RunPlace,
    /// How long one activation may run before the watchdog fails it; `None` turns the
    /// watchdog off.
    pub(crate) deadlock_timeout: Option<Duration>,
    pub(crate) evict: Evict,
}

/// What every workflow thread of a worker, or the replayer's thread, shares.
pub(super) struct Common {
    pub(super) registry: Arc<Registry>,
    pub(super) place: RunPlace,
    /// Whether a run evicted for nondeterminism is logged as a warning (a worker), or left to
    /// the caller to report (the replayer).
    pub(super) warn_on_nondeterminism: bool,
}

/// The pool of workflow threads of one worker.
pub(crate) struct WorkflowThreads {
    /// The shards runs are hashed to, then, with the watchdog on, the quarantine shard.
    shards: Vec<Arc<Shard>>,
    /// How many shards runs are hashed to.
    hashed: usize,
    /// Runs that were stuck once: they run on the quarantine shard from then on, so that
    /// blocking again (their retried task usually does) stalls no other run.
    suspects: Arc<Mutex<HashSet<String>>>,
    watchdog: Option<WatchdogThread>,
}

impl WorkflowThreads {
    pub(crate) fn start(settings: ThreadSettings) -> Self {
        let common = Arc::new(Common {
            registry: settings.registry,
            place: settings.place,
            warn_on_nondeterminism: true,
        });
        let hashed = settings.count.max(1);
        let quarantine = usize::from(settings.deadlock_timeout.is_some());
        let shards: Vec<Arc<Shard>> = (0..hashed + quarantine)
            .map(|index| Arc::new(Shard::new(index)))
            .collect();
        for shard in &shards {
            let mut state = lock(&shard.state);
            state.thread = spawn_thread(shard, &state, &common, Lost::new());
        }
        let suspects = Arc::default();
        let watchdog = settings.deadlock_timeout.and_then(|timeout| {
            Watchdog {
                shards: shards.clone(),
                suspects: Arc::clone(&suspects),
                timeout,
                evict: settings.evict,
                respawn: Box::new(move |shard, state, lost| {
                    spawn_thread(shard, state, &common, lost)
                }),
            }
            .start()
        });
        Self {
            shards,
            hashed,
            suspects,
            watchdog,
        }
    }

    /// Queues an activation on its run's shard; the receiver yields the completion.
    pub(crate) fn dispatch(
        &self,
        activation: WorkflowActivation,
    ) -> oneshot::Receiver<WorkflowActivationCompletion> {
        let (reply, receiver) = oneshot::channel();
        let index = if lock(&self.suspects).contains(&activation.run_id) {
            self.hashed
        } else {
            let mut hasher = DefaultHasher::new();
            activation.run_id.hash(&mut hasher);
            (hasher.finish() % self.hashed as u64) as usize
        };
        let shard = &self.shards[index];
        let mut state = lock(&shard.state);
        if state.thread.is_some() {
            state.queue.push_back(Job { activation, reply });
            shard.ready.notify_all();
        } else {
            let _ = reply.send(task_failure(&activation.run_id, NO_THREAD));
        }
        receiver
    }
}

impl Drop for WorkflowThreads {
    fn drop(&mut self) {
        if let Some(watchdog) = self.watchdog.take() {
            watchdog.stop();
        }
        for shard in &self.shards {
            shard.stop();
        }
    }
}

/// Starts the thread of `shard` for the generation in `state`.
fn spawn_thread(
    shard: &Arc<Shard>,
    state: &ShardState,
    common: &Arc<Common>,
    lost: Lost,
) -> Option<thread::JoinHandle<()>> {
    let generation = state.generation;
    let now_running = state.now_running.clone();
    let thread_shard = Arc::clone(shard);
    let common = Arc::clone(common);
    let name = if generation == 0 {
        format!("workflow-{}", shard.index)
    } else {
        format!("workflow-{}.{generation}", shard.index)
    };
    match thread::Builder::new()
        .name(name)
        .spawn(move || serve(&thread_shard, generation, &now_running, &common, lost))
    {
        Ok(handle) => Some(handle),
        Err(e) => {
            tracing::error!("cannot start workflow thread {}: {e}", shard.index);
            None
        }
    }
}

/// A workflow thread: takes the shard's activations one by one until the worker stops or the
/// watchdog replaces this thread.
fn serve(
    shard: &Shard,
    generation: u64,
    now_running: &NowRunning,
    common: &Common,
    mut lost: Lost,
) {
    now_running.install();
    let mut runs = HashMap::new();
    loop {
        let activation = {
            let mut state = lock(&shard.state);
            loop {
                if state.generation != generation {
                    return;
                }
                if let Some(Job { activation, reply }) = state.queue.pop_front() {
                    state.running = Some(Running {
                        since: Instant::now(),
                        reply,
                        run_id: activation.run_id.clone(),
                    });
                    break activation;
                }
                if state.stopping {
                    return;
                }
                state = shard
                    .ready
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        };
        let run_id = activation.run_id.clone();
        let completion = run_caught(&mut runs, &mut lost, common, activation);
        let Some(reply) = finish_activation(shard, generation, &runs, run_id) else {
            return;
        };
        if let Some(reply) = reply {
            // The receiver is gone only when the worker is stopping.
            let _ = reply.send(completion);
        }
    }
}

/// Runs one activation on this thread; a panic that escapes the run fails the workflow task
/// and drops the run's cached state.
pub(super) fn run_caught(
    runs: &mut HashMap<String, RunInstance>,
    lost: &mut Lost,
    common: &Common,
    activation: WorkflowActivation,
) -> WorkflowActivationCompletion {
    let run_id = activation.run_id.clone();
    now_running::clear();
    std::panic::catch_unwind(AssertUnwindSafe(|| {
        handle_activation(runs, lost, common, activation)
    }))
    .unwrap_or_else(|panic| {
        runs.remove(&run_id);
        task_failure(
            &run_id,
            &format!("workflow thread panicked: {}", panic_message(&*panic)),
        )
    })
}

/// Ends the activation of `run_id` that the thread of `generation` ran: notes whether the run
/// stays cached there and takes the activation's reply, if the watchdog has not. `None` when
/// the watchdog answered it and gave the shard to a fresh thread: this thread must stop.
pub(super) fn finish_activation(
    shard: &Shard,
    generation: u64,
    runs: &HashMap<String, RunInstance>,
    run_id: String,
) -> Option<Option<Reply>> {
    let mut state = lock(&shard.state);
    if state.generation != generation {
        tracing::warn!(
            run_id = %run_id,
            "a workflow activation returned after it was failed as a potential \
             deadlock; its result is discarded and this thread stops"
        );
        return None;
    }
    if runs.contains_key(&run_id) {
        state.cached.insert(run_id);
    } else {
        state.cached.remove(&run_id);
    }
    Some(state.running.take().map(|running| running.reply))
}

/// Runs one activation on this thread: evicts, starts or continues the run.
fn handle_activation(
    runs: &mut HashMap<String, RunInstance>,
    lost: &mut Lost,
    common: &Common,
    activation: WorkflowActivation,
) -> WorkflowActivationCompletion {
    let run_id = activation.run_id.clone();
    if let Some(evict) = eviction(&activation) {
        tracing::debug!(run_id = %run_id, reason = evict.reason, message = %evict.message, "evicting workflow run");
        if common.warn_on_nondeterminism && evict.reason() == EvictionReason::Nondeterminism {
            // Core failed the workflow task with this message: the log says the same, with
            // the run it belongs to.
            let run = runs.get(&run_id).map_or_else(
                || format!("workflow run `{run_id}`"),
                |run| run.label().to_owned(),
            );
            tracing::warn!(
                run_id = %run_id,
                "{run} does not match its history; its workflow task failed with: {}",
                eviction_message(evict)
            );
        }
        runs.remove(&run_id);
        lost.remove(&run_id);
        return WorkflowActivationCompletion::empty(run_id);
    }
    if let Some(init) = initialization(&activation) {
        lost.remove(&run_id);
        now_running::running_workflow(&run_label(&init.workflow_type, &init.workflow_id, &run_id));
        match common.registry.workflow(&init.workflow_type) {
            Ok(start) => {
                let run = start(RunStart {
                    run_id: &run_id,
                    namespace: &common.place.namespace,
                    task_queue: &common.place.task_queue,
                    meter: common.place.meter.as_ref(),
                    versioned: common.place.versioned,
                    timestamp: activation_time(&activation),
                    init,
                    interceptors: &common.place.interceptors,
                });
                runs.insert(run_id.clone(), run);
            }
            Err(unknown) => {
                tracing::warn!(run_id = %run_id, "{unknown}");
                return task_failure(&run_id, &unknown.to_string());
            }
        }
    }
    match runs.get_mut(&run_id) {
        Some(run) => run.activate(activation),
        None => match lost.remove(&run_id) {
            Some(stuck) => task_failure(
                &run_id,
                &format!(
                    "the cached state of this run was lost: its workflow thread was abandoned \
                     while stuck in {stuck}; the run replays from its history on a fresh thread"
                ),
            ),
            None => task_failure(
                &run_id,
                "no cached state for this run and no InitializeWorkflow job to rebuild it",
            ),
        },
    }
}
