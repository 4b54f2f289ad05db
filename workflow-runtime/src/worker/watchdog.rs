//! The deadlock watchdog: fails activations that run longer than the deadlock timeout and
//! gives their shard to a fresh thread (see `threads.rs` for why and how runs move).

use std::{
    collections::HashSet,
    mem,
    sync::{Arc, Condvar, Mutex, PoisonError},
    thread,
    time::{Duration, Instant},
};

use super::shard::{Evict, Lost, Reply, Shard, ShardState, lock};
use crate::{now_running::NowRunning, workflow::run::task_failure};

/// How long one workflow activation may run before it counts as a potential deadlock.
pub(crate) const DEFAULT_DEADLOCK_TIMEOUT: Duration = Duration::from_secs(2);

/// The task failure of an activation that reaches a shard with no thread to serve it.
pub(super) const NO_THREAD: &str =
    "no workflow thread could be started (see the worker's error log)";

/// The running watchdog; dropping it does not stop it, [`WatchdogThread::stop`] does.
pub(super) struct WatchdogThread {
    stop: Arc<WatchdogStop>,
    handle: thread::JoinHandle<()>,
}

impl WatchdogThread {
    /// Stops the watchdog and waits for its thread.
    pub(super) fn stop(self) {
        *lock(&self.stop.stopped) = true;
        self.stop.wake.notify_all();
        let _ = self.handle.join();
    }
}

#[derive(Default)]
struct WatchdogStop {
    stopped: Mutex<bool>,
    wake: Condvar,
}

/// Fails activations that run too long and gives their shard to a fresh thread.
pub(super) struct Watchdog {
    pub(super) shards: Vec<Arc<Shard>>,
    pub(super) suspects: Arc<Mutex<HashSet<String>>>,
    pub(super) timeout: Duration,
    pub(super) evict: Evict,
    /// Starts a fresh thread for a shard whose thread is stuck (`threads::spawn_thread`).
    pub(super) respawn: Respawn,
}

/// Starts the serving thread of a shard for the generation in its state, with the runs the
/// previous thread lost; `None` when no thread could be started.
pub(super) type Respawn =
    Box<dyn Fn(&Arc<Shard>, &ShardState, Lost) -> Option<thread::JoinHandle<()>> + Send>;

impl Watchdog {
    /// Starts the watchdog's thread; `None` (logged) when it cannot start.
    pub(super) fn start(self) -> Option<WatchdogThread> {
        let stop = Arc::new(WatchdogStop::default());
        let watched = Arc::clone(&stop);
        match thread::Builder::new()
            .name("workflow-watchdog".to_owned())
            .spawn(move || self.watch(&watched))
        {
            Ok(handle) => Some(WatchdogThread { stop, handle }),
            Err(e) => {
                tracing::error!("cannot start the workflow deadlock watchdog: {e}");
                None
            }
        }
    }

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
        let (workflow, code) = state.now_running.read();
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
        state.now_running = NowRunning::default();
        state.thread = (self.respawn)(shard, state, lost);
        if state.thread.is_none() {
            // No thread will serve this shard again: answer what it holds now; `dispatch`
            // answers what comes later.
            for job in state.queue.drain(..) {
                let _ = job
                    .reply
                    .send(task_failure(&job.activation.run_id, NO_THREAD));
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
