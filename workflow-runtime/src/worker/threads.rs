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
    collections::{HashMap, HashSet, VecDeque},
    hash::{DefaultHasher, Hash, Hasher},
    mem,
    panic::AssertUnwindSafe,
    sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError},
    thread,
    time::{Duration, Instant},
};

use temporalio_common::protos::coresdk::{
    workflow_activation::{WorkflowActivation, remove_from_cache::EvictionReason},
    workflow_completion::WorkflowActivationCompletion,
};
use tokio::sync::oneshot;

use crate::{
    error::panic_message,
    probe::{self, Probe},
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
}

/// Asks core to evict a run (its cached state was lost with a stuck thread).
pub(crate) type Evict = Arc<dyn Fn(&str) + Send + Sync>;

/// How the workflow threads of one worker or replayer are set up.
pub(crate) struct ThreadSettings {
    /// How many threads (shards).
    pub(crate) count: usize,
    pub(crate) registry: Arc<Registry>,
    pub(crate) place: RunPlace,
    /// How long one activation may run before the watchdog fails it; `None` turns the
    /// watchdog off.
    pub(crate) deadlock_timeout: Option<Duration>,
    pub(crate) evict: Evict,
    /// Whether a run evicted for nondeterminism is logged as a warning (a worker), or left to
    /// the caller to report (the replayer).
    pub(crate) warn_on_nondeterminism: bool,
}

type Reply = oneshot::Sender<WorkflowActivationCompletion>;

struct Job {
    activation: WorkflowActivation,
    reply: Reply,
}

/// The activation a shard's thread is running.
struct Running {
    since: Instant,
    reply: Reply,
    run_id: String,
}

/// One shard: a queue of activations and the thread that serves it. The queue belongs to the
/// shard, not to the thread, so a fresh thread can take over from a stuck one.
struct Shard {
    index: usize,
    state: Mutex<ShardState>,
    ready: Condvar,
}

struct ShardState {
    queue: VecDeque<Job>,
    /// Which thread serves the shard; a thread that sees another number was abandoned.
    generation: u64,
    running: Option<Running>,
    /// Runs cached on the serving thread.
    cached: HashSet<String>,
    probe: Probe,
    /// The serving thread; `None` when none could be started.
    thread: Option<thread::JoinHandle<()>>,
    stopping: bool,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every update of the shard state is a few assignments that cannot panic halfway.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What every thread of the pool shares.
struct Common {
    registry: Arc<Registry>,
    place: RunPlace,
    warn_on_nondeterminism: bool,
}

/// Runs whose cached state was lost with a stuck thread, and the run that thread was stuck
/// in; an activation of one of them that cannot rebuild the run fails naming the cause.
type Lost = HashMap<String, Arc<str>>;

/// The pool of workflow threads of one worker or replayer.
pub(crate) struct WorkflowThreads {
    /// The shards runs are hashed to, then, with the watchdog on, the quarantine shard.
    shards: Vec<Arc<Shard>>,
    /// How many shards runs are hashed to.
    hashed: usize,
    /// Runs that were stuck once: they run on the quarantine shard from then on, so that
    /// blocking again (their retried task usually does) stalls no other run.
    suspects: Arc<Mutex<HashSet<String>>>,
    watchdog: Option<(Arc<WatchdogStop>, thread::JoinHandle<()>)>,
}

#[derive(Default)]
struct WatchdogStop {
    stopped: Mutex<bool>,
    wake: Condvar,
}

impl WorkflowThreads {
    pub(crate) fn start(settings: ThreadSettings) -> Self {
        let common = Arc::new(Common {
            registry: settings.registry,
            place: settings.place,
            warn_on_nondeterminism: settings.warn_on_nondeterminism,
        });
        let hashed = settings.count.max(1);
        let quarantine = usize::from(settings.deadlock_timeout.is_some());
        let shards: Vec<Arc<Shard>> = (0..hashed + quarantine)
            .map(|index| {
                Arc::new(Shard {
                    index,
                    state: Mutex::new(ShardState {
                        queue: VecDeque::new(),
                        generation: 0,
                        running: None,
                        cached: HashSet::new(),
                        probe: Probe::default(),
                        thread: None,
                        stopping: false,
                    }),
                    ready: Condvar::new(),
                })
            })
            .collect();
        for shard in &shards {
            let mut state = lock(&shard.state);
            state.thread = spawn_thread(shard, &state, &common, Lost::new());
        }
        let suspects = Arc::default();
        let watchdog = settings.deadlock_timeout.and_then(|timeout| {
            let stop = Arc::new(WatchdogStop::default());
            let watchdog = Watchdog {
                shards: shards.clone(),
                suspects: Arc::clone(&suspects),
                common,
                timeout,
                evict: settings.evict,
            };
            let watched = Arc::clone(&stop);
            match thread::Builder::new()
                .name("workflow-watchdog".to_owned())
                .spawn(move || watchdog.watch(&watched))
            {
                Ok(handle) => Some((stop, handle)),
                Err(e) => {
                    tracing::error!("cannot start the workflow deadlock watchdog: {e}");
                    None
                }
            }
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
            let _ = reply.send(task_failure(
                &activation.run_id,
                "no workflow thread could be started (see the worker's error log)",
            ));
        }
        receiver
    }
}

impl Drop for WorkflowThreads {
    fn drop(&mut self) {
        if let Some((stop, handle)) = self.watchdog.take() {
            *lock(&stop.stopped) = true;
            stop.wake.notify_all();
            let _ = handle.join();
        }
        for shard in &self.shards {
            let thread = {
                let mut state = lock(&shard.state);
                state.stopping = true;
                shard.ready.notify_all();
                // A thread still inside an activation may never return (deadlock detection
                // off): it is left behind rather than blocking the worker's stop.
                if state.running.is_some() {
                    None
                } else {
                    state.thread.take()
                }
            };
            if let Some(thread) = thread {
                let _ = thread.join();
            }
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
    let probe = state.probe.clone();
    let thread_shard = Arc::clone(shard);
    let common = Arc::clone(common);
    let name = if generation == 0 {
        format!("workflow-{}", shard.index)
    } else {
        format!("workflow-{}.{generation}", shard.index)
    };
    match thread::Builder::new()
        .name(name)
        .spawn(move || serve(&thread_shard, generation, &probe, &common, lost))
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
fn serve(shard: &Shard, generation: u64, probe: &Probe, common: &Common, mut lost: Lost) {
    probe.install();
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
        probe::clear();
        let completion = std::panic::catch_unwind(AssertUnwindSafe(|| {
            handle_activation(&mut runs, &mut lost, common, activation)
        }))
        .unwrap_or_else(|panic| {
            runs.remove(&run_id);
            task_failure(
                &run_id,
                &format!("workflow thread panicked: {}", panic_message(&*panic)),
            )
        });
        let reply = {
            let mut state = lock(&shard.state);
            if state.generation != generation {
                // The watchdog answered this activation and gave the shard to a fresh thread.
                tracing::warn!(
                    run_id = %run_id,
                    "a workflow activation returned after it was failed as a potential \
                     deadlock; its result is discarded and this thread stops"
                );
                return;
            }
            if runs.contains_key(&run_id) {
                state.cached.insert(run_id);
            } else {
                state.cached.remove(&run_id);
            }
            state.running.take().map(|running| running.reply)
        };
        if let Some(reply) = reply {
            // The receiver is gone only when the worker is stopping.
            let _ = reply.send(completion);
        }
    }
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
        probe::running_workflow(&run_label(&init.workflow_type, &init.workflow_id, &run_id));
        match common.registry.workflow(&init.workflow_type) {
            Ok(start) => {
                let run = start(RunStart {
                    run_id: &run_id,
                    namespace: &common.place.namespace,
                    task_queue: &common.place.task_queue,
                    timestamp: activation_time(&activation),
                    init,
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

/// Fails activations that run too long and gives their shard to a fresh thread.
struct Watchdog {
    shards: Vec<Arc<Shard>>,
    suspects: Arc<Mutex<HashSet<String>>>,
    common: Arc<Common>,
    timeout: Duration,
    evict: Evict,
}

impl Watchdog {
    fn watch(&self, stop: &WatchdogStop) {
        let mut stopped = lock(&stop.stopped);
        while !*stopped {
            drop(stopped);
            let next = self.check(Instant::now());
            stopped = lock(&stop.stopped);
            if *stopped {
                break;
            }
            stopped = stop
                .wake
                .wait_timeout(stopped, next)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Replaces the thread of every shard whose activation started `timeout` or more before
    /// `now`; returns how long until the next activation in progress reaches its deadline.
    fn check(&self, now: Instant) -> Duration {
        let mut next = self.timeout;
        for shard in &self.shards {
            let mut state = lock(&shard.state);
            let Some(running) = &state.running else {
                continue;
            };
            let elapsed = now.saturating_duration_since(running.since);
            if elapsed < self.timeout {
                next = next.min(self.timeout - elapsed);
                continue;
            }
            let Some(stuck) = self.replace(shard, &mut state) else {
                continue;
            };
            drop(state);
            tracing::error!(run_id = %stuck.run_id, "{}", stuck.message);
            // The reply was taken under the shard's lock: the stuck thread can no longer send.
            let _ = stuck
                .reply
                .send(task_failure(&stuck.run_id, &stuck.message));
            for run_id in &stuck.lost_runs {
                (self.evict)(run_id);
            }
        }
        // A long or absurd timeout still lets the watchdog look again now and then.
        next.clamp(Duration::from_millis(1), Duration::from_secs(60))
    }

    /// Takes the stuck activation's reply and gives the shard to a fresh thread.
    fn replace(&self, shard: &Arc<Shard>, state: &mut ShardState) -> Option<Stuck> {
        let running = state.running.take()?;
        let (workflow, code) = state.probe.read();
        let workflow = workflow.unwrap_or_else(|| Arc::from(format!("run `{}`", running.run_id)));
        let message = deadlock_message(&workflow, code.as_deref(), self.timeout);
        let mut lost_runs = mem::take(&mut state.cached);
        lost_runs.remove(&running.run_id);
        let lost = lost_runs
            .iter()
            .map(|run_id| (run_id.clone(), Arc::clone(&workflow)))
            .collect();
        // Its next tasks go to the quarantine shard (core answers one activation of a run at a
        // time, so none of them is queued here).
        lock(&self.suspects).insert(running.run_id.clone());
        state.generation += 1;
        state.probe = Probe::default();
        state.thread = spawn_thread(shard, state, &self.common, lost);
        if state.thread.is_none() {
            // No thread will serve this shard again: answer what it holds now; `dispatch`
            // answers what comes later.
            for job in state.queue.drain(..) {
                let _ = job.reply.send(task_failure(
                    &job.activation.run_id,
                    "no workflow thread could be started (see the worker's error log)",
                ));
            }
        }
        Some(Stuck {
            reply: running.reply,
            run_id: running.run_id,
            message,
            lost_runs,
        })
    }
}

struct Stuck {
    reply: Reply,
    run_id: String,
    message: String,
    lost_runs: HashSet<String>,
}

/// The task failure of an activation that did not return in time. `TMPRL1101` is the code the
/// Python and Go SDKs give the same failure.
pub(crate) fn deadlock_message(workflow: &str, code: Option<&str>, timeout: Duration) -> String {
    let running = code.map_or_else(
        || " while applying its activation".to_owned(),
        |code| format!(" while running {code}"),
    );
    format!(
        "[TMPRL1101] Potential deadlock detected: {workflow} did not yield within {timeout:?}{running}. \
         Workflow code must not block its thread (std::thread::sleep, blocking I/O or locks, long \
         computations): wait with ctx.sleep() or ctx.wait_condition(), and move slow work into an \
         activity. The thread was abandoned and the task is retried on a fresh thread; if the \
         code is only slow, raise Worker::deadlock_detection_timeout"
    )
}
