//! The shards of the workflow threads: each is a queue of activations and the thread serving
//! it, with what that thread is running and has cached. The threads (`threads.rs`) and the
//! deadlock watchdog (`watchdog.rs`) change a shard only under its lock.

use std::{
    collections::{HashMap, HashSet, VecDeque},
    sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError},
    thread,
    time::Instant,
};

use temporalio_common::protos::coresdk::{
    workflow_activation::WorkflowActivation, workflow_completion::WorkflowActivationCompletion,
};
use tokio::sync::oneshot;

use crate::now_running::NowRunning;

/// Asks core to evict a run (its cached state was lost with a stuck thread).
pub(crate) type Evict = Arc<dyn Fn(&str) + Send + Sync>;

pub(super) type Reply = oneshot::Sender<WorkflowActivationCompletion>;

pub(super) struct Job {
    pub(super) activation: WorkflowActivation,
    pub(super) reply: Reply,
}

/// The activation a shard's thread is running.
pub(super) struct Running {
    pub(super) since: Instant,
    pub(super) reply: Reply,
    pub(super) run_id: String,
}

/// One shard: a queue of activations and the thread that serves it. The queue belongs to the
/// shard, not to the thread, so a fresh thread can take over from a stuck one.
pub(super) struct Shard {
    pub(super) index: usize,
    pub(super) state: Mutex<ShardState>,
    pub(super) ready: Condvar,
}

impl Shard {
    /// A shard with an empty queue and no thread yet.
    pub(super) fn new(index: usize) -> Self {
        Self {
            index,
            state: Mutex::new(ShardState {
                queue: VecDeque::new(),
                generation: 0,
                running: None,
                cached: HashSet::new(),
                now_running: NowRunning::default(),
                thread: None,
                stopping: false,
            }),
            ready: Condvar::new(),
        }
    }

    /// Tells the serving thread to stop once its queue is empty, and waits for it.
    pub(super) fn stop(&self) {
        let thread = {
            let mut state = lock(&self.state);
            state.stopping = true;
            self.ready.notify_all();
            // A thread still inside an activation may never return (deadlock detection off):
            // it is left behind rather than blocking the worker's stop.
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

pub(super) struct ShardState {
    pub(super) queue: VecDeque<Job>,
    /// Which thread serves the shard; a thread that sees another number was abandoned.
    pub(super) generation: u64,
    pub(super) running: Option<Running>,
    /// Runs cached on the serving thread.
    pub(super) cached: HashSet<String>,
    pub(super) now_running: NowRunning,
    /// The serving thread; `None` when none could be started.
    pub(super) thread: Option<thread::JoinHandle<()>>,
    pub(super) stopping: bool,
}

pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every update of the shard state is a few assignments that cannot panic halfway.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs whose cached state was lost with a stuck thread, and the run that thread was stuck
/// in; an activation of one of them that cannot rebuild the run fails naming the cause.
pub(super) type Lost = HashMap<String, Arc<str>>;
