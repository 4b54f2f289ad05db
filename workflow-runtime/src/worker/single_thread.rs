//! The replayer's loop: one workflow thread polls core, runs each activation and completes it.
//! A worker's polling task hands each activation to a workflow thread and takes the
//! completion back, so that many runs go on at once; a replay is one run whose activations
//! come one at a time, and there those two handoffs (two thread wake-ups per activation) cost
//! about a fifth of its time.
//!
//! Workflow code still runs outside any tokio runtime: the thread enters the caller's runtime
//! ([`Blocking`]) only to poll core, to run the payload codec and to complete, so that
//! whatever core spawns meanwhile runs on the caller's runtime and never stalls with a stuck
//! thread. The deadlock watchdog watches this thread as it watches a worker's shard: an
//! activation that runs too long is answered with the deadlock failure, and a fresh thread
//! takes over the loop, sends that failure to core first, and goes on.

use std::{
    collections::HashMap,
    future::Future,
    io,
    pin::pin,
    sync::{Arc, Mutex},
    task::{Context, Poll, Wake, Waker},
    thread,
    time::{Duration, Instant},
};

use temporalio_common::protos::coresdk::workflow_completion::WorkflowActivationCompletion;
use temporalio_sdk_core::{PollError, Worker as CoreWorker};
use tokio::{runtime::Handle, sync::oneshot};

use super::{
    core::{ActivationObserver, Polled, complete_activation, evict_through, poll_activation},
    registry::Registry,
    shard::{Lost, Running, Shard, ShardState, lock},
    threads::{Common, RunPlace, finish_activation, run_caught},
    watchdog::Watchdog,
};
use crate::{codec::Codec, now_running::NowRunning};

/// Why the loop could not run to its end.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SingleThreadError {
    /// Polling core failed.
    #[error(transparent)]
    Poll(#[from] PollError),
    /// The workflow thread could not be started.
    #[error("cannot start the workflow thread")]
    Start(#[source] io::Error),
    /// The workflow thread stopped before the loop ended.
    #[error("the workflow thread stopped before the replay ended")]
    Stopped,
}

/// One loop over a core worker's activations, run on one workflow thread.
pub(crate) struct SingleThreadLoop {
    pub(crate) core: Arc<CoreWorker>,
    pub(crate) observer: Arc<dyn ActivationObserver>,
    pub(crate) codec: Codec,
    pub(crate) registry: Arc<Registry>,
    pub(crate) place: RunPlace,
    /// How long one activation may run before the watchdog fails it.
    pub(crate) deadlock_timeout: Duration,
}

/// What the loop's threads share: the first thread and any that takes over from a stuck one.
struct Driver {
    core: Arc<CoreWorker>,
    observer: Arc<dyn ActivationObserver>,
    codec: Codec,
    common: Common,
    /// The caller's runtime and tracing subscriber, which each thread of the loop uses.
    runtime: Handle,
    dispatch: tracing::Dispatch,
    /// Where the running activation's answer arrives when the watchdog gives it: a thread that
    /// takes over sends that answer to core before it polls.
    answered: Mutex<Option<oneshot::Receiver<WorkflowActivationCompletion>>>,
    /// Told the loop's result when core shuts down.
    done: Mutex<Option<oneshot::Sender<Result<(), SingleThreadError>>>>,
}

impl SingleThreadLoop {
    /// Runs the loop until core shuts down. Every activation is answered, evictions included.
    pub(crate) async fn run(self) -> Result<(), SingleThreadError> {
        let (done, finished) = oneshot::channel();
        let driver = Arc::new(Driver {
            core: Arc::clone(&self.core),
            observer: self.observer,
            codec: self.codec,
            common: Common {
                registry: self.registry,
                place: self.place,
                // The replay reports it as its result.
                warn_on_nondeterminism: false,
            },
            runtime: Handle::current(),
            dispatch: tracing::dispatcher::get_default(Clone::clone),
            answered: Mutex::new(None),
            done: Mutex::new(Some(done)),
        });
        let shard = Arc::new(Shard::new(0));
        {
            let mut state = lock(&shard.state);
            let thread = spawn(&shard, &state, &driver, Lost::new());
            state.thread = Some(thread.map_err(SingleThreadError::Start)?);
        }
        let watchdog = Watchdog {
            shards: vec![Arc::clone(&shard)],
            suspects: Arc::default(),
            timeout: self.deadlock_timeout,
            evict: evict_through(&self.core),
            respawn: Box::new(
                move |shard, state, lost| match spawn(shard, state, &driver, lost) {
                    Ok(thread) => Some(thread),
                    Err(e) => {
                        tracing::error!(
                            "cannot start a workflow thread to take over the replay: {e}"
                        );
                        None
                    }
                },
            ),
        }
        .start();
        let result = finished.await.unwrap_or(Err(SingleThreadError::Stopped));
        if let Some(watchdog) = watchdog {
            watchdog.stop();
        }
        shard.stop();
        result
    }
}

/// Starts a thread of the loop for the generation in `state`.
fn spawn(
    shard: &Arc<Shard>,
    state: &ShardState,
    driver: &Arc<Driver>,
    lost: Lost,
) -> io::Result<thread::JoinHandle<()>> {
    let generation = state.generation;
    let now_running = state.now_running.clone();
    let shard = Arc::clone(shard);
    let driver = Arc::clone(driver);
    thread::Builder::new()
        .name(format!("workflow-replay.{generation}"))
        .spawn(move || {
            let _subscriber = tracing::dispatcher::set_default(&driver.dispatch);
            let result = drive(&driver, &shard, generation, &now_running, lost);
            // `None`: this thread was abandoned, and the one that took over tells the result.
            if let Some(result) = result
                && let Some(done) = lock(&driver.done).take()
            {
                let _ = done.send(result);
            }
        })
}

/// Polls, runs and completes activations until core shuts down; `None` when the watchdog
/// gave the loop to a fresh thread while this one ran an activation.
fn drive(
    driver: &Driver,
    shard: &Shard,
    generation: u64,
    now_running: &NowRunning,
    mut lost: Lost,
) -> Option<Result<(), SingleThreadError>> {
    now_running.install();
    let runtime = Blocking::on(&driver.runtime);
    let complete = |completion| {
        runtime.block_on(complete_activation(
            &driver.core,
            &*driver.observer,
            &driver.codec,
            None,
            completion,
        ));
    };
    // A stuck thread's activation, answered by the watchdog just after it started this one.
    let stuck = lock(&driver.answered).take();
    if let Some(answer) = stuck
        && let Ok(completion) = runtime.block_on(answer)
    {
        complete(completion);
    }
    let mut runs = HashMap::new();
    loop {
        let polled = runtime.block_on(poll_activation(
            &driver.core,
            &*driver.observer,
            &driver.codec,
        ));
        let completion = match polled {
            Ok(Polled::Run(activation)) => {
                let run_id = activation.run_id.clone();
                let (reply, answer) = oneshot::channel();
                // Where a thread taking over finds the answer, before the watchdog can see
                // the activation.
                *lock(&driver.answered) = Some(answer);
                lock(&shard.state).running = Some(Running {
                    since: Instant::now(),
                    reply,
                    run_id: run_id.clone(),
                });
                let completion = run_caught(&mut runs, &mut lost, &driver.common, activation);
                finish_activation(shard, generation, &runs, run_id)?;
                lock(&driver.answered).take();
                completion
            }
            Ok(Polled::Answered(completion)) => *completion,
            Err(PollError::ShutDown) => return Some(Ok(())),
            Err(e) => return Some(Err(e.into())),
        };
        complete(completion);
    }
}

/// Runs futures to completion on the calling thread inside a runtime's context, polling each
/// where it lies: `Handle::block_on` moves the future through several frames, and the poll and
/// complete futures of core are kilobytes, which made those copies a fifth of a replay's
/// instructions.
struct Blocking<'a> {
    runtime: &'a Handle,
    waker: Waker,
}

/// Wakes a thread parked in [`Blocking::block_on`].
struct Unpark(thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

impl<'a> Blocking<'a> {
    fn on(runtime: &'a Handle) -> Self {
        Self {
            runtime,
            waker: Waker::from(Arc::new(Unpark(thread::current()))),
        }
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        // Tasks the future spawns go to the runtime, whose threads also drive its timers and
        // I/O (on a current-thread runtime, the caller's thread awaiting this loop does).
        let _context = self.runtime.enter();
        let mut future = pin!(future);
        let mut cx = Context::from_waker(&self.waker);
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
            // A wake-up that came before this park returns at once; a spurious one polls again.
            thread::park();
        }
    }
}
