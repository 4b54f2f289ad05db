//! Workflows and activities used by the integration tests.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use serde::{Deserialize, Serialize};
use workflow_runtime::{
    CancellationReason, prelude::*, protos::temporal::api::common::v1::WorkflowExecution,
};

pub fn quick_retries(attempts: u32) -> ActivityOptions {
    ActivityOptions::start_to_close(Duration::from_secs(10)).retry(
        RetryPolicy::exponential()
            .initial_interval(Duration::from_millis(50))
            .backoff_coefficient(1.0)
            .maximum_attempts(attempts),
    )
}

/// Fails with a retryable error on attempts 1 and 2, succeeds on attempt 3.
#[activity]
pub async fn flaky(ctx: ActivityContext, label: String) -> Result<String, ActivityError> {
    let attempt = ctx.info().attempt;
    if attempt < 3 {
        return Err(ActivityError::retryable(
            "Flaky",
            format!("attempt {attempt} of {label} failed"),
        ));
    }
    Ok(format!("{label} succeeded on attempt {attempt}"))
}

#[derive(Default)]
pub struct FlakyWorkflow;

#[workflow]
impl FlakyWorkflow {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, label: String) -> WorkflowResult<String> {
        Ok(ctx.activity(flaky, label).options(quick_retries(5)).await?)
    }
}

/// Counts its calls and always declines, non-retryably.
#[derive(Default)]
pub struct DecliningPayments {
    pub calls: AtomicU32,
}

#[activities]
impl DecliningPayments {
    #[activity(name = "decline_payment")]
    pub async fn decline(&self, _ctx: ActivityContext, amount: u64) -> Result<u64, ActivityError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Err(ActivityError::non_retryable(
            "PaymentDeclined",
            format!("card declined for {amount} cents"),
        ))
    }
}

#[derive(Default)]
pub struct DeclinedWorkflow;

#[workflow]
impl DeclinedWorkflow {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, amount: u64) -> WorkflowResult<u64> {
        Ok(ctx
            .activity(DecliningPayments::decline, amount)
            .options(quick_retries(5))
            .await?)
    }
}

/// Sleeps `count` times for `interval_ms` and reports how much workflow time passed.
#[derive(Default)]
pub struct TimerWorkflow {
    fired: u32,
}

#[workflow]
impl TimerWorkflow {
    #[run]
    pub async fn run(
        ctx: WorkflowContext<Self>,
        interval_ms: u64,
        count: u32,
    ) -> WorkflowResult<(u32, u64)> {
        let start = ctx.now();
        for _ in 0..count {
            ctx.sleep(Duration::from_millis(interval_ms)).await?;
            ctx.state_mut(|s| s.fired += 1);
        }
        let elapsed = ctx.now().duration_since(start).unwrap_or_default();
        Ok((ctx.state(|s| s.fired), elapsed.as_millis() as u64))
    }
}

/// Both activities must be running at the same time to pass the barrier.
pub struct Rendezvous {
    pub barrier: tokio::sync::Barrier,
}

#[activities]
impl Rendezvous {
    #[activity]
    pub async fn meet(&self, _ctx: ActivityContext, who: String) -> Result<String, ActivityError> {
        tokio::time::timeout(Duration::from_secs(20), self.barrier.wait())
            .await
            .map_err(|_| {
                ActivityError::non_retryable("Alone", format!("{who} waited 20 s alone"))
            })?;
        Ok(format!("{who} met"))
    }
}

#[derive(Default)]
pub struct ParallelWorkflow;

#[workflow]
impl ParallelWorkflow {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<Vec<String>> {
        let options = ActivityOptions::start_to_close(Duration::from_secs(30));
        let (a, b) = ctx
            .join(
                ctx.activity(Rendezvous::meet, "left".to_owned())
                    .options(options.clone()),
                ctx.activity(Rendezvous::meet, "right".to_owned())
                    .options(options.clone()),
            )
            .await;
        // A select between a long timer and a quick activity: the activity wins and the
        // timer is cancelled.
        let raced = ctx
            .select(
                ctx.sleep(Duration::from_secs(3600)),
                ctx.activity(echo, "quick".to_owned()).options(options),
            )
            .await;
        let quick = match raced {
            Either::Left(fired) => {
                fired?;
                "timer".to_owned()
            }
            Either::Right(result) => result?,
        };
        Ok(vec![a?, b?, quick])
    }
}

/// Returns its input.
#[activity]
pub async fn echo(_ctx: ActivityContext, value: String) -> Result<String, ActivityError> {
    Ok(value)
}

/// Draws random numbers, UUIDs and times around timers and activities, so that a replay after
/// eviction that drew differently would show.
#[derive(Default)]
pub struct ReplayProbe {
    steps: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeReport {
    pub steps: Vec<String>,
    pub randoms: Vec<u64>,
    pub uuid: String,
    pub info_id: String,
}

/// Returns its input and counts its calls; each test keeps its own.
#[derive(Default)]
pub struct CountedEcho {
    pub calls: AtomicU32,
}

#[activities]
impl CountedEcho {
    #[activity]
    pub async fn counted_echo(
        &self,
        _ctx: ActivityContext,
        value: String,
    ) -> Result<String, ActivityError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(value)
    }
}

#[workflow]
impl ReplayProbe {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, rounds: u32) -> WorkflowResult<ProbeReport> {
        let mut randoms = vec![ctx.random()];
        let uuid = ctx.uuid4().to_string();
        for round in 0..rounds {
            ctx.sleep(Duration::from_millis(30)).await?;
            let echoed = ctx
                .activity(CountedEcho::counted_echo, format!("round {round}"))
                .options(ActivityOptions::start_to_close(Duration::from_secs(10)))
                .await?;
            randoms.push(ctx.random());
            ctx.state_mut(|s| s.steps.push(echoed));
        }
        Ok(ProbeReport {
            steps: ctx.state(|s| s.steps.clone()),
            randoms,
            uuid,
            info_id: ctx.info().workflow_id,
        })
    }
}

/// Panics when told to, to show that a panic fails only the workflow task.
#[derive(Default)]
pub struct PanickyWorkflow;

#[workflow]
impl PanickyWorkflow {
    #[run]
    pub async fn run(_ctx: WorkflowContext<Self>, explode: bool) -> WorkflowResult<String> {
        if explode {
            panic!("the reactor core is overheating");
        }
        Ok("calm".to_owned())
    }
}

/// Registered on no worker: calling it exercises the unknown-activity path.
#[activity]
pub async fn unregistered(_ctx: ActivityContext) -> Result<(), ActivityError> {
    Ok(())
}

#[derive(Default)]
pub struct CallsUnregistered;

#[workflow]
impl CallsUnregistered {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        ctx.activity(unregistered, ())
            .options(quick_retries(1))
            .await?;
        Ok(())
    }
}

/// The wire name of [`echo`] declared with one parameter more, as by a caller whose copy of the
/// definition drifted from the worker's; registered on no worker.
#[activity(name = "echo")]
pub async fn echo_with_extra(
    _ctx: ActivityContext,
    value: String,
    extra: u32,
) -> Result<String, ActivityError> {
    Ok(format!("{value}{extra}"))
}

/// Calls `echo` with two arguments; the worker's `echo` declares one.
#[derive(Default)]
pub struct CallsEchoWithExtra;

#[workflow]
impl CallsEchoWithExtra {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<String> {
        Ok(ctx
            .activity(echo_with_extra, ("hi".to_owned(), 7))
            .options(quick_retries(3))
            .await?)
    }
}

/// A helper the compile-time check cannot see (it is not marked `#[deterministic]`, as a
/// helper in another crate would not be), which reaches for a tokio timer.
async fn helper_that_naps() {
    tokio::time::sleep(Duration::from_millis(10)).await;
}

/// Calls the helper from workflow code; the executor must refuse the tokio timer at run time.
#[derive(Default)]
pub struct TokioSleeper;

#[workflow]
impl TokioSleeper {
    #[run]
    pub async fn run(_ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        helper_that_naps().await;
        Ok(())
    }
}

/// Keeps shared counters alive for method activities in tests.
pub fn declining() -> Arc<DecliningPayments> {
    Arc::new(DecliningPayments::default())
}

/// Logs one line per step around timers; with no cache every task replays the steps before.
#[derive(Default)]
pub struct ChattyWorkflow;

#[workflow]
impl ChattyWorkflow {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, steps: u32) -> WorkflowResult<u32> {
        let id = ctx.info().workflow_id;
        for step in 0..steps {
            tracing::info!(target: "counted_log", "{id} step {step}");
            ctx.sleep(Duration::from_millis(20)).await?;
        }
        Ok(steps)
    }
}

/// Claims to be `TimerWorkflow` but calls an activity where the original starts a timer: a
/// code change that breaks old histories.
#[derive(Default)]
pub struct ChangedTimerWorkflow;

#[workflow(name = "TimerWorkflow")]
impl ChangedTimerWorkflow {
    #[run]
    pub async fn run(
        ctx: WorkflowContext<Self>,
        _interval_ms: u64,
        _count: u32,
    ) -> WorkflowResult<(u32, u64)> {
        ctx.activity(echo, "changed".to_owned())
            .options(ActivityOptions::start_to_close(Duration::from_secs(5)))
            .await?;
        Ok((0, 0))
    }
}

/// Claims to be `TimerWorkflow` but blocks its thread for a minute: replaying a history with it
/// meets the deadlock watchdog.
#[derive(Default)]
pub struct BlockingTimerWorkflow;

#[workflow(name = "TimerWorkflow")]
impl BlockingTimerWorkflow {
    #[run]
    pub async fn run(
        _ctx: WorkflowContext<Self>,
        _interval_ms: u64,
        _count: u32,
    ) -> WorkflowResult<(u32, u64)> {
        block_thread_for(Duration::from_secs(60));
        Ok((0, 0))
    }
}

/// Panics on its first attempt, succeeds on the next.
#[activity]
pub async fn panics_once(ctx: ActivityContext) -> Result<String, ActivityError> {
    let attempt = ctx.info().attempt;
    if attempt == 1 {
        panic!("activity exploded on attempt {attempt}");
    }
    Ok(format!("recovered on attempt {attempt}"))
}

#[derive(Default)]
pub struct PanicRecovery;

#[workflow]
impl PanicRecovery {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<String> {
        Ok(ctx
            .activity(panics_once, ())
            .options(quick_retries(3))
            .await?)
    }
}

/// Heartbeats until cancelled and counts the cancellations it observes; each test keeps its
/// own.
#[derive(Default)]
pub struct Heartbeater {
    pub cancellations_seen: AtomicU32,
    /// Why each cancellation came, and whether the worker was shutting down then.
    pub cancellations: std::sync::Mutex<Vec<(Option<CancellationReason>, bool)>>,
}

#[activities]
impl Heartbeater {
    #[activity]
    pub async fn heartbeat_until_cancelled(
        &self,
        ctx: ActivityContext,
    ) -> Result<(), ActivityError> {
        loop {
            if let Err(error) = ctx.heartbeat(&"working") {
                self.cancellations
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((ctx.cancellation_reason(), ctx.is_worker_shutdown()));
                self.cancellations_seen.fetch_add(1, Ordering::SeqCst);
                return Err(error);
            }
            // Paces the heartbeats; a cancellation ends the wait at once.
            tokio::select! {
                _ = ctx.cancelled() => {}
                _ = tokio::time::sleep(Duration::from_millis(100)) => {}
            }
        }
    }
}

/// Races a short timer against a long heartbeating activity; the timer wins and the activity
/// is cancelled. The run stays open until the `finish` signal, so the cancellation reaches the
/// activity through its heartbeats, however long that takes.
#[derive(Default)]
pub struct CancelsActivity {
    finished: bool,
}

#[workflow]
impl CancelsActivity {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<String> {
        let long = ctx
            .activity(Heartbeater::heartbeat_until_cancelled, ())
            .options(
                ActivityOptions::start_to_close(Duration::from_secs(60))
                    .heartbeat_timeout(Duration::from_secs(1)),
            );
        let winner = match ctx
            .select(ctx.sleep(Duration::from_millis(500)), long)
            .await
        {
            Either::Left(fired) => {
                fired?;
                "timer"
            }
            Either::Right(_) => "activity",
        };
        ctx.wait_condition(|s| s.finished).await?;
        Ok(winner.to_owned())
    }

    #[signal]
    pub fn finish(&mut self) {
        self.finished = true;
    }
}

/// An activity that runs until the test releases it, so that the test can act while it runs;
/// counts its starts and completions. Each test keeps its own.
#[derive(Default)]
pub struct HeldActivity {
    pub started: AtomicU32,
    pub finished: AtomicU32,
    /// Attempts that were cancelled by the time they finished.
    pub finished_cancelled: AtomicU32,
    release: tokio::sync::Notify,
}

impl HeldActivity {
    /// Lets the running activity (or the next one to start) finish.
    pub fn release(&self) {
        self.release.notify_one();
    }
}

#[activities]
impl HeldActivity {
    /// Returns `value` once released.
    #[activity]
    pub async fn hold(&self, ctx: ActivityContext, value: u64) -> Result<u64, ActivityError> {
        self.started.fetch_add(1, Ordering::SeqCst);
        self.release.notified().await;
        if ctx.is_cancelled() {
            self.finished_cancelled.fetch_add(1, Ordering::SeqCst);
        }
        self.finished.fetch_add(1, Ordering::SeqCst);
        Ok(value)
    }
}

/// Runs one [`HeldActivity`] and returns its result.
#[derive(Default)]
pub struct HoldsActivity;

#[workflow]
impl HoldsActivity {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, value: u64) -> WorkflowResult<u64> {
        Ok(ctx
            .activity(HeldActivity::hold, value)
            .options(ActivityOptions::start_to_close(Duration::from_secs(60)))
            .await?)
    }
}

/// Returns its input; lets async handlers wait on a real activity.
#[activity]
pub async fn echo_number(_ctx: ActivityContext, n: i64) -> Result<i64, ActivityError> {
    Ok(n)
}

/// Signals, queries and updates of every shape.
#[derive(Default)]
pub struct Counter {
    total: i64,
    seen: Vec<i64>,
    done: bool,
    updates_run: u32,
    gate_open: bool,
}

#[workflow]
impl Counter {
    /// Runs until `target` is reached or `finish` is signalled; returns the values seen.
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, target: i64) -> WorkflowResult<Vec<i64>> {
        ctx.wait_condition(|s| s.done || s.total >= target).await?;
        ctx.all_handlers_finished().await;
        Ok(ctx.state(|s| s.seen.clone()))
    }

    #[signal]
    pub fn add(&mut self, n: i64) {
        self.total += n;
        self.seen.push(n);
    }

    #[signal]
    pub fn finish(&mut self) {
        self.done = true;
    }

    /// Adds `n` after an activity round trip.
    #[signal(name = "add-later")]
    pub async fn add_later(ctx: WorkflowContext<Self>, n: i64) -> WorkflowResult<()> {
        let n = ctx
            .activity(echo_number, n)
            .options(ActivityOptions::start_to_close(Duration::from_secs(10)))
            .await?;
        ctx.state_mut(|s| {
            s.total += n;
            s.seen.push(n);
        });
        Ok(())
    }

    #[query]
    pub fn total(&self) -> i64 {
        self.total
    }

    #[query]
    pub fn seen_since(&self, index: usize) -> Vec<i64> {
        self.seen.get(index..).unwrap_or_default().to_vec()
    }

    #[query]
    pub fn updates_run(&self) -> u32 {
        self.updates_run
    }

    #[query]
    pub fn crash(&self) -> i64 {
        panic!("query exploded")
    }

    /// Sets the total; returns the previous one. Negative values are rejected.
    #[update(validator = Self::check_set)]
    pub fn set(&mut self, value: i64) -> WorkflowResult<i64> {
        self.updates_run += 1;
        Ok(std::mem::replace(&mut self.total, value))
    }

    fn check_set(&self, value: &i64) -> WorkflowResult<()> {
        if *value < 0 {
            return Err(WorkflowError::application(
                "Negative",
                format!("{value} is negative"),
            ));
        }
        Ok(())
    }

    /// Adds `n` after a durable timer of `delay_ms`; returns the new total.
    #[update]
    pub async fn add_slowly(
        ctx: WorkflowContext<Self>,
        n: i64,
        delay_ms: u64,
    ) -> WorkflowResult<i64> {
        ctx.sleep(Duration::from_millis(delay_ms)).await?;
        Ok(ctx.state_mut(|s| s.add_by_update(n)))
    }

    /// Adds `n` once the `open_gate` signal came; returns the new total.
    #[update]
    pub async fn add_when_open(ctx: WorkflowContext<Self>, n: i64) -> WorkflowResult<i64> {
        ctx.wait_condition(|s| s.gate_open).await?;
        Ok(ctx.state_mut(|s| s.add_by_update(n)))
    }

    #[signal]
    pub fn open_gate(&mut self) {
        self.gate_open = true;
    }

    #[update]
    pub fn refuse(&mut self) -> WorkflowResult<()> {
        Err(WorkflowError::application("Refused", "not today"))
    }

    #[update(validator = Self::validator_explodes)]
    pub fn guarded(&mut self) -> WorkflowResult<()> {
        Ok(())
    }

    fn validator_explodes(&self) -> WorkflowResult<()> {
        panic!("validator exploded")
    }

    fn add_by_update(&mut self, n: i64) -> i64 {
        self.updates_run += 1;
        self.total += n;
        self.seen.push(n);
        self.total
    }
}

/// Dynamic handlers: receive every name without a handler of its own.
#[derive(Default)]
pub struct Catchall {
    received: Vec<String>,
}

#[workflow]
impl Catchall {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<Vec<String>> {
        ctx.wait_condition(|s| s.received.iter().any(|r| r == "stop"))
            .await?;
        Ok(ctx.state(|s| s.received.clone()))
    }

    #[signal(dynamic)]
    pub fn any_signal(&mut self, name: String, args: Vec<workflow_runtime::payload::Payload>) {
        self.received.push(format!("{name}/{}", args.len()));
        if name == "stop" {
            self.received.push("stop".to_owned());
        }
    }

    #[query(dynamic)]
    pub fn any_query(
        &self,
        name: String,
        _args: Vec<workflow_runtime::payload::Payload>,
    ) -> String {
        format!("{name}: {} received", self.received.len())
    }

    #[update(dynamic)]
    pub fn any_update(
        &mut self,
        name: String,
        args: Vec<workflow_runtime::payload::Payload>,
    ) -> WorkflowResult<usize> {
        self.received.push(format!("update {name}"));
        Ok(args.len())
    }
}

/// Spends up to a limit that comes with the start. `#[init]` builds the state from the input
/// (there is no `Default`), so a signal or update sent with the start already sees the limit.
pub struct Allowance {
    limit: u64,
    spent: u64,
    /// The limit each `note` signal saw.
    seen_limits: Vec<u64>,
    closed: bool,
}

#[workflow]
impl Allowance {
    #[init]
    fn new(limit: &u64) -> Self {
        Self {
            limit: *limit,
            spent: 0,
            seen_limits: Vec::new(),
            closed: false,
        }
    }

    /// Runs until `close` is signalled; returns the limits the `note` signals saw.
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, _limit: u64) -> WorkflowResult<Vec<u64>> {
        ctx.wait_condition(|s| s.closed).await?;
        Ok(ctx.state(|s| s.seen_limits.clone()))
    }

    #[signal]
    pub fn note(&mut self) {
        self.seen_limits.push(self.limit);
    }

    #[signal]
    pub fn close(&mut self) {
        self.closed = true;
    }

    /// Spends `amount` and returns what is left; the validator rejects more than that.
    #[update(validator = Self::check_spend)]
    pub fn spend(&mut self, amount: u64) -> WorkflowResult<u64> {
        self.spent += amount;
        Ok(self.limit - self.spent)
    }

    fn check_spend(&self, amount: &u64) -> WorkflowResult<()> {
        let left = self.limit - self.spent;
        if *amount > left {
            let message = format!("{amount} is over the {left} left");
            return Err(WorkflowError::application("OverLimit", message));
        }
        Ok(())
    }
}

/// An update whose validator later becomes stricter (see [`StrictAccount`]).
#[derive(Default)]
pub struct Account {
    balance: u64,
}

#[workflow]
impl Account {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u64> {
        ctx.wait_condition(|s| s.balance >= 100).await?;
        Ok(ctx.state(|s| s.balance))
    }

    #[update(validator = Self::check_deposit)]
    pub fn deposit(&mut self, amount: u64) -> WorkflowResult<u64> {
        self.balance += amount;
        Ok(self.balance)
    }

    fn check_deposit(&self, amount: &u64) -> WorkflowResult<()> {
        if *amount == 0 {
            return Err(WorkflowError::application("Empty", "deposit something"));
        }
        Ok(())
    }
}

/// The same workflow type with a validator that rejects every deposit: replaying an old
/// history must not run it.
#[derive(Default)]
pub struct StrictAccount {
    balance: u64,
}

#[workflow(name = "Account")]
impl StrictAccount {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u64> {
        ctx.wait_condition(|s| s.balance >= 100).await?;
        Ok(ctx.state(|s| s.balance))
    }

    #[update(validator = Self::check_deposit)]
    pub fn deposit(&mut self, amount: u64) -> WorkflowResult<u64> {
        self.balance += amount;
        Ok(self.balance)
    }

    fn check_deposit(&self, _amount: &u64) -> WorkflowResult<()> {
        Err(WorkflowError::application("Closed", "deposits are closed"))
    }
}

/// Greets through updates, with bugs: `greet` panics, `greet_later` panics after a durable
/// timer. [`FixedGreeter`] is the same workflow type after the fix, deployed on a new worker.
#[derive(Default)]
pub struct BuggyGreeter {
    greeted: Vec<String>,
}

#[workflow(name = "Greeter")]
impl BuggyGreeter {
    /// Runs until `count` greetings were made; returns them.
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, count: usize) -> WorkflowResult<Vec<String>> {
        ctx.wait_condition(move |s| s.greeted.len() >= count)
            .await?;
        ctx.all_handlers_finished().await;
        Ok(ctx.state(|s| s.greeted.clone()))
    }

    #[update]
    pub fn greet(&mut self, name: String) -> WorkflowResult<String> {
        panic!("cannot greet {name} yet")
    }

    #[update]
    pub async fn greet_later(ctx: WorkflowContext<Self>, name: String) -> WorkflowResult<String> {
        ctx.sleep(Duration::from_millis(50)).await?;
        panic!("cannot greet {name} later either")
    }
}

/// [`BuggyGreeter`] fixed.
#[derive(Default)]
pub struct FixedGreeter {
    greeted: Vec<String>,
}

#[workflow(name = "Greeter")]
impl FixedGreeter {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, count: usize) -> WorkflowResult<Vec<String>> {
        ctx.wait_condition(move |s| s.greeted.len() >= count)
            .await?;
        ctx.all_handlers_finished().await;
        Ok(ctx.state(|s| s.greeted.clone()))
    }

    #[update]
    pub fn greet(&mut self, name: String) -> WorkflowResult<String> {
        self.greeted.push(name.clone());
        Ok(format!("hello {name}"))
    }

    #[update]
    pub async fn greet_later(ctx: WorkflowContext<Self>, name: String) -> WorkflowResult<String> {
        ctx.sleep(Duration::from_millis(50)).await?;
        ctx.state_mut(|s| s.greeted.push(name.clone()));
        Ok(format!("hello {name}, later"))
    }
}

/// A durable timer, then an activity: work of both task kinds that spans a server outage.
#[derive(Default)]
pub struct TimerThenEcho;

#[workflow]
impl TimerThenEcho {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, value: String) -> WorkflowResult<String> {
        ctx.sleep(Duration::from_secs(1)).await?;
        Ok(ctx
            .activity(echo, value)
            .options(ActivityOptions::start_to_close(Duration::from_secs(30)))
            .await?)
    }
}

/// Implemented by the Python worker of `python/payloads.py`: returns the bytes reversed.
/// Registered on no Rust worker.
#[activity(name = "py_reverse_bytes")]
pub async fn py_reverse_bytes(
    _ctx: ActivityContext,
    _data: Vec<u8>,
) -> Result<Vec<u8>, ActivityError> {
    Err(ActivityError::non_retryable(
        "WrongWorker",
        "py_reverse_bytes runs on the Python worker",
    ))
}

/// Implemented by the Python worker of `python/payloads.py`: answers a timestamp computed from
/// the execution it receives (binary protobuf). Registered on no Rust worker.
#[activity(name = "py_stamp")]
pub async fn py_stamp(
    _ctx: ActivityContext,
    _execution: ProtoBinary<WorkflowExecution>,
) -> Result<Proto<prost_wkt_types::Timestamp>, ActivityError> {
    Err(ActivityError::non_retryable(
        "WrongWorker",
        "py_stamp runs on the Python worker",
    ))
}

fn on_queue(queue: String) -> ActivityOptions {
    quick_retries(1).task_queue(queue)
}

/// Sends its bytes to a Python activity and returns the answer followed by the bytes.
#[derive(Default)]
pub struct BytesWorkflow;

#[workflow]
impl BytesWorkflow {
    #[run]
    pub async fn run(
        ctx: WorkflowContext<Self>,
        data: Vec<u8>,
        python_queue: String,
    ) -> WorkflowResult<Vec<u8>> {
        let mut answer = ctx
            .activity(py_reverse_bytes, data.clone())
            .options(on_queue(python_queue))
            .await?;
        answer.extend(data);
        Ok(answer)
    }
}

/// Sends its execution to a Python activity in the binary form, and returns it with the run id
/// replaced by the seconds of the timestamp the activity answers.
#[derive(Default)]
pub struct ProtoWorkflow;

#[workflow]
impl ProtoWorkflow {
    #[run]
    pub async fn run(
        ctx: WorkflowContext<Self>,
        execution: Proto<WorkflowExecution>,
        python_queue: String,
    ) -> WorkflowResult<Proto<WorkflowExecution>> {
        let Proto(stamp) = ctx
            .activity(py_stamp, ProtoBinary(execution.0.clone()))
            .options(on_queue(python_queue))
            .await?;
        Ok(Proto(WorkflowExecution {
            workflow_id: execution.0.workflow_id,
            run_id: format!("stamped-{}", stamp.seconds),
        }))
    }
}

/// What [`ShutdownWatcher::work_until_stopped`] saw, in order.
#[derive(Debug, Default)]
pub struct ShutdownSeen {
    /// When `ctx.worker_shutdown()` completed, and whether the attempt was cancelled by then.
    pub shutdown: Option<(std::time::Instant, bool)>,
    /// When the cancellation arrived, and its reason.
    pub cancelled: Option<(std::time::Instant, Option<CancellationReason>)>,
}

/// A long activity that heartbeats until it is cancelled, noting when it learns of the
/// worker's shutdown and of the cancellation. Each test keeps its own.
#[derive(Default)]
pub struct ShutdownWatcher {
    pub started: AtomicU32,
    pub seen: std::sync::Mutex<ShutdownSeen>,
}

impl ShutdownWatcher {
    fn note(&self, update: impl FnOnce(&mut ShutdownSeen)) {
        update(&mut self.seen.lock().unwrap_or_else(|e| e.into_inner()));
    }
}

#[activities]
impl ShutdownWatcher {
    /// Heartbeats every 100 ms until cancelled; reports the cancellation.
    #[activity]
    pub async fn work_until_stopped(&self, ctx: ActivityContext) -> Result<(), ActivityError> {
        self.started.fetch_add(1, Ordering::SeqCst);
        let watch_shutdown = async {
            ctx.worker_shutdown().await;
            let cancelled = ctx.is_cancelled();
            self.note(|seen| seen.shutdown = Some((std::time::Instant::now(), cancelled)));
            std::future::pending::<()>().await;
        };
        let heartbeat = async {
            loop {
                if let Err(error) = ctx.heartbeat(&"working") {
                    return error;
                }
                tokio::select! {
                    _ = ctx.cancelled() => {}
                    _ = tokio::time::sleep(Duration::from_millis(100)) => {}
                }
            }
        };
        let error = tokio::select! {
            error = heartbeat => error,
            _ = watch_shutdown => unreachable!("never completes"),
        };
        let reason = ctx.cancellation_reason();
        self.note(|seen| seen.cancelled = Some((std::time::Instant::now(), reason)));
        Err(error)
    }
}

/// Runs one [`ShutdownWatcher`] activity, attempted once, so that how the attempt ended is in
/// the history.
#[derive(Default)]
pub struct WatchesShutdown;

#[workflow]
impl WatchesShutdown {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        ctx.activity(ShutdownWatcher::work_until_stopped, ())
            .options(
                ActivityOptions::start_to_close(Duration::from_secs(120))
                    .heartbeat_timeout(Duration::from_secs(30))
                    .retry(RetryPolicy::no_retries()),
            )
            .await?;
        Ok(())
    }
}

/// Blocks the calling thread; workflow code reaching it through this helper is what the
/// compile-time check cannot see, and what deadlock detection catches.
fn block_thread_for(duration: Duration) {
    BLOCKED_NAPS.fetch_add(1, Ordering::SeqCst);
    std::thread::sleep(duration);
}

/// How many times [`block_thread_for`] was entered (each retry of a blocked task blocks again).
pub static BLOCKED_NAPS: AtomicU32 = AtomicU32::new(0);

/// Blocks its workflow thread for `seconds` inside `run`, through a helper.
#[derive(Default)]
pub struct BlocksItsThread;

#[workflow]
impl BlocksItsThread {
    #[run]
    pub async fn run(_ctx: WorkflowContext<Self>, seconds: u64) -> WorkflowResult<()> {
        block_thread_for(Duration::from_secs(seconds));
        Ok(())
    }
}

/// A short workflow that goes through several workflow tasks: an activity, then a timer.
#[derive(Default)]
pub struct ShortErrand;

#[workflow]
impl ShortErrand {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, n: i64) -> WorkflowResult<i64> {
        let echoed = ctx
            .activity(echo_number, n)
            .options(ActivityOptions::start_to_close(Duration::from_secs(10)))
            .await?;
        ctx.sleep(Duration::from_millis(100)).await?;
        Ok(echoed)
    }
}
