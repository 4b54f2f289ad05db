//! The run state machine without a server: activations built by hand go into a run, and the
//! tests read the commands (or the task failure) that come out. Each test names the rule it
//! pins down; together they cover start, timers, activities, signals, queries, updates,
//! cancellation, eviction, random seeds and jobs the run does not know.

use std::{
    future::IntoFuture,
    time::{Duration, SystemTime},
};

use serde::{Serialize, de::DeserializeOwned};
use temporalio_common::protos::{
    coresdk::{
        activity_result::{self, ActivityResolution, activity_resolution},
        workflow_activation::{
            CancelWorkflow, DoUpdate, FireTimer, InitializeWorkflow, QueryWorkflow,
            RemoveFromCache, ResolveActivity, SignalWorkflow, UpdateRandomSeed, WorkflowActivation,
            WorkflowActivationJob, workflow_activation_job::Variant as Job,
        },
        workflow_commands::{
            QueryResult, ScheduleActivity, UpdateResponse, query_result, update_response,
            workflow_command::Variant as Command,
        },
        workflow_completion::{WorkflowActivationCompletion, workflow_activation_completion},
    },
    temporal::api::failure::v1::{Failure, failure::FailureInfo},
};

use crate::{
    error::failure_type,
    interceptor::Interceptors,
    payload::{Payload, decode, encode},
    prelude::*,
    worker::{
        registry::Registry,
        threads::{Evict, RunPlace, ThreadSettings, WorkflowThreads},
        watchdog::deadlock_message,
    },
    workflow::{
        definition::WorkflowDefinition,
        run::{RunInstance, RunStart, activation_time, eviction, start_run},
        shared::WorkflowRng,
    },
};

// ---------------------------------------------------------------------------------------------
// Workflows under test.

#[activity]
async fn charge(_ctx: ActivityContext, cents: u64) -> Result<String, ActivityError> {
    Ok(format!("txn-{cents}"))
}

fn charge_options() -> ActivityOptions {
    ActivityOptions::start_to_close(Duration::from_secs(5))
}

/// Waits for approval (a sync signal), a cancellation request (an async signal) or a timeout.
#[derive(Default)]
pub struct Approval {
    approved: Option<bool>,
    notes: Vec<String>,
    refunds: Vec<String>,
}

#[workflow]
impl Approval {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, timeout_secs: u64) -> WorkflowResult<String> {
        ctx.wait_condition_for(Duration::from_secs(timeout_secs), |s| s.approved.is_some())
            .await?;
        ctx.all_handlers_finished().await;
        Ok(match ctx.state(|s| s.approved) {
            Some(true) => "approved".to_owned(),
            Some(false) => "rejected".to_owned(),
            None => "timed out".to_owned(),
        })
    }

    #[signal]
    fn approve(&mut self, approved: bool) {
        self.approved = Some(approved);
    }

    #[signal]
    fn explode(&mut self) {
        panic!("signal handler exploded");
    }

    #[signal]
    async fn refund(ctx: WorkflowContext<Self>, cents: u64) -> WorkflowResult<()> {
        let txn = ctx
            .activity(charge, cents)
            .options(charge_options())
            .await?;
        ctx.state_mut(|s| s.refunds.push(txn));
        Ok(())
    }

    #[signal]
    async fn abort(_ctx: WorkflowContext<Self>, reason: String) -> WorkflowResult<()> {
        Err(WorkflowError::application("Aborted", reason))
    }

    #[query]
    fn status(&self) -> Option<bool> {
        self.approved
    }

    #[query]
    fn note_count(&self, prefix: String) -> usize {
        self.notes.iter().filter(|n| n.starts_with(&prefix)).count()
    }

    #[query]
    fn crash(&self) -> u32 {
        panic!("query exploded")
    }

    #[update(validator = Self::check_note)]
    fn add_note(&mut self, note: String) -> WorkflowResult<usize> {
        if note == "refuse" {
            return Err(WorkflowError::application("Refused", "not today"));
        }
        self.notes.push(note);
        Ok(self.notes.len())
    }

    // A validator borrows the update's argument as declared, here `&String`.
    #[allow(clippy::ptr_arg)]
    fn check_note(&self, note: &String) -> WorkflowResult<()> {
        if note.is_empty() {
            return Err(WorkflowError::application("EmptyNote", "say something"));
        }
        Ok(())
    }

    #[update]
    async fn slow_note(ctx: WorkflowContext<Self>, note: String) -> WorkflowResult<usize> {
        ctx.sleep(Duration::from_secs(1)).await?;
        Ok(ctx.state_mut(|s| {
            s.notes.push(note);
            s.notes.len()
        }))
    }
}

/// Charges, then waits a minute; fails with the activity's error.
#[derive(Default)]
pub struct Checkout;

#[workflow]
impl Checkout {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, cents: u64) -> WorkflowResult<String> {
        let txn = ctx
            .activity(charge, cents)
            .options(charge_options())
            .await?;
        ctx.sleep(Duration::from_secs(60)).await?;
        Ok(txn)
    }
}

/// Two activities in parallel, or the first of an activity and a timer.
#[derive(Default)]
pub struct Race;

#[workflow]
impl Race {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, parallel: bool) -> WorkflowResult<String> {
        if parallel {
            let (a, b) = ctx
                .join(
                    ctx.activity(charge, 1).options(charge_options()),
                    ctx.activity(charge, 2).options(charge_options()),
                )
                .await;
            return Ok(format!("{}+{}", a?, b?));
        }
        let winner = ctx
            .select(
                ctx.activity(charge, 3).options(charge_options()),
                ctx.sleep(Duration::from_secs(10)),
            )
            .await;
        Ok(match winner {
            Either::Left(txn) => txn?,
            Either::Right(fired) => {
                fired?;
                "timer".to_owned()
            }
        })
    }
}

/// Awaits a timer and an activity by reference, reporting whether each counts as finished
/// before and after (`FusedFuture`).
#[derive(Default)]
pub struct Fused;

#[workflow]
impl Fused {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, seconds: u64) -> WorkflowResult<Vec<bool>> {
        use futures::future::FusedFuture;
        let mut timer = ctx.sleep(Duration::from_secs(seconds));
        let mut charged = ctx
            .activity(charge, 5)
            .options(charge_options())
            .into_future();
        let before = [timer.is_terminated(), charged.is_terminated()];
        (&mut timer).await?;
        (&mut charged).await?;
        Ok(vec![
            before[0],
            before[1],
            timer.is_terminated(),
            charged.is_terminated(),
        ])
    }
}

/// Returns at once, fails, panics, or draws random numbers, as asked.
#[derive(Default)]
pub struct Quick;

#[workflow]
impl Quick {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, mode: String) -> WorkflowResult<u64> {
        match mode.as_str() {
            "fail" => Err(WorkflowError::non_retryable("OutOfStock", "item 7")),
            "panic" => panic!("run exploded"),
            "zero-sleep" => {
                ctx.sleep(Duration::ZERO).await?;
                Ok(0)
            }
            "random-after-timer" => {
                ctx.sleep(Duration::from_secs(1)).await?;
                Ok(ctx.random())
            }
            "random" => Ok(ctx.random()),
            // A state closure opened inside another, as a new user might write it.
            "nested-state" => Ok(ctx.state(|_| ctx.state_mut(|_| 1))),
            _ => Ok(mode.len() as u64),
        }
    }
}

/// Update handlers with bugs: `add` panics after changing the state, `add_later` panics after a
/// durable timer, `guarded`'s validator panics. [`FixedNotes`] is the same workflow type fixed.
#[derive(Default)]
pub struct BuggyNotes {
    notes: Vec<String>,
}

#[workflow(name = "Notes")]
impl BuggyNotes {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, expected: usize) -> WorkflowResult<usize> {
        ctx.wait_condition(move |s| s.notes.len() >= expected)
            .await?;
        Ok(ctx.state(|s| s.notes.len()))
    }

    #[update]
    fn add(&mut self, note: String) -> WorkflowResult<usize> {
        self.notes.push(note);
        panic!("add is broken");
    }

    #[update]
    async fn add_later(ctx: WorkflowContext<Self>, note: String) -> WorkflowResult<usize> {
        ctx.sleep(Duration::from_secs(1)).await?;
        panic!("add_later is broken, not {note}");
    }

    #[update(validator = Self::check_guarded)]
    fn guarded(&mut self) -> WorkflowResult<()> {
        Ok(())
    }

    fn check_guarded(&self) -> WorkflowResult<()> {
        panic!("the validator is broken")
    }

    #[signal]
    async fn add_eventually(ctx: WorkflowContext<Self>, note: String) -> WorkflowResult<()> {
        ctx.sleep(Duration::from_secs(1)).await?;
        panic!("add_eventually is broken, not {note}");
    }
}

/// [`BuggyNotes`] after the fix: the same type name, its updates without panics.
#[derive(Default)]
pub struct FixedNotes {
    notes: Vec<String>,
}

#[workflow(name = "Notes")]
impl FixedNotes {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, expected: usize) -> WorkflowResult<usize> {
        ctx.wait_condition(move |s| s.notes.len() >= expected)
            .await?;
        Ok(ctx.state(|s| s.notes.len()))
    }

    #[update]
    fn add(&mut self, note: String) -> WorkflowResult<usize> {
        self.notes.push(note);
        Ok(self.notes.len())
    }

    #[update]
    async fn add_later(ctx: WorkflowContext<Self>, note: String) -> WorkflowResult<usize> {
        ctx.sleep(Duration::from_secs(1)).await?;
        Ok(ctx.state_mut(|s| {
            s.notes.push(note);
            s.notes.len()
        }))
    }
}

/// Built by `#[init]` from its input, without `Default`. Logs, in order, what touched the state:
/// `new`, each handler and `run`. Finishes once the total reaches the limit; `new` panics on a
/// limit of 0.
pub struct Ledger {
    limit: u64,
    total: u64,
    log: Vec<String>,
}

#[workflow]
impl Ledger {
    #[init]
    fn new(limit: &u64) -> Self {
        assert!(*limit > 0, "a ledger needs a limit above 0");
        Self {
            limit: *limit,
            total: 0,
            log: vec![format!("init {limit}")],
        }
    }

    #[run]
    async fn run(ctx: WorkflowContext<Self>, limit: u64) -> WorkflowResult<Vec<String>> {
        ctx.state_mut(|s| s.log.push("run".to_owned()));
        ctx.wait_condition(move |s| s.total >= limit).await?;
        ctx.all_handlers_finished().await;
        Ok(ctx.state(|s| s.log.clone()))
    }

    #[signal]
    fn add(&mut self, amount: u64) {
        self.total += amount;
        self.log.push(format!("add {amount} of {}", self.limit));
    }

    #[signal]
    async fn add_later(ctx: WorkflowContext<Self>, amount: u64) {
        ctx.state_mut(|s| {
            s.total += amount;
            s.log.push(format!("add_later {amount}"));
        });
    }

    #[update(validator = Self::check_spend)]
    fn spend(&mut self, amount: u64) -> WorkflowResult<u64> {
        self.total += amount;
        self.log.push(format!("spend {amount}"));
        Ok(self.limit - self.total)
    }

    fn check_spend(&self, amount: &u64) -> WorkflowResult<()> {
        if self.total + amount > self.limit {
            let message = format!("{amount} is over the limit {}", self.limit);
            return Err(WorkflowError::application("OverLimit", message));
        }
        Ok(())
    }

    #[update]
    async fn spend_later(ctx: WorkflowContext<Self>, amount: u64) -> WorkflowResult<u64> {
        Ok(ctx.state_mut(|s| {
            s.total += amount;
            s.log.push(format!("spend_later {amount}"));
            s.limit - s.total
        }))
    }

    #[query]
    fn total(&self) -> u64 {
        self.total
    }
}

/// A shut gate that workflow code can block its thread on, through helpers the compile-time
/// check cannot see into (as a user's helper calling `std::thread::sleep` would).
struct Gate {
    open: std::sync::Mutex<bool>,
    opened: std::sync::Condvar,
}

impl Gate {
    const fn new() -> Self {
        Self {
            open: std::sync::Mutex::new(false),
            opened: std::sync::Condvar::new(),
        }
    }

    fn wait(&self) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        while !*open {
            open = self.opened.wait(open).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn open(&self) {
        *self.open.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.opened.notify_all();
    }
}

/// Held shut by the deadlock test of a signal handler; each test has its own gate.
static SIGNAL_GATE: Gate = Gate::new();
/// Held shut by the deadlock test of `run`.
static RUN_GATE: Gate = Gate::new();

fn block_in_signal_handler() {
    SIGNAL_GATE.wait();
}

fn block_in_run() {
    RUN_GATE.wait();
}

/// Blocks its workflow thread in `run` or in the `stall` signal handler, as asked.
#[derive(Default)]
pub struct Blocker {
    done: bool,
}

#[workflow]
impl Blocker {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, stall_in_run: bool) -> WorkflowResult<()> {
        if stall_in_run {
            block_in_run();
        }
        ctx.wait_condition(|s| s.done).await?;
        Ok(())
    }

    #[signal]
    fn stall(&mut self) {
        block_in_signal_handler();
    }
}

// ---------------------------------------------------------------------------------------------
// The harness: one run, fed activations by hand.

const RUN_ID: &str = "run-1";

fn job(variant: Job) -> WorkflowActivationJob {
    WorkflowActivationJob {
        variant: Some(variant),
    }
}

fn payload<T: Serialize>(value: T) -> Payload {
    encode(&value).expect("test values encode")
}

fn init<W: WorkflowDefinition>(arguments: Vec<Payload>, seed: u64) -> Job {
    Job::InitializeWorkflow(InitializeWorkflow {
        workflow_type: W::NAME.to_owned(),
        workflow_id: "wf-1".to_owned(),
        arguments,
        randomness_seed: seed,
        first_execution_run_id: RUN_ID.to_owned(),
        attempt: 1,
        ..Default::default()
    })
}

fn fire(seq: u32) -> Job {
    Job::FireTimer(FireTimer { seq })
}

fn resolve(seq: u32, status: activity_resolution::Status) -> Job {
    Job::ResolveActivity(ResolveActivity {
        seq,
        result: Some(ActivityResolution {
            status: Some(status),
        }),
        is_local: false,
    })
}

fn completed(seq: u32, result: Payload) -> Job {
    resolve(
        seq,
        activity_resolution::Status::Completed(activity_result::Success {
            result: Some(result),
        }),
    )
}

fn application(error_type: &str, message: &str) -> Failure {
    ActivityError::non_retryable(error_type, message).into_failure()
}

fn signal(name: &str, input: Vec<Payload>) -> Job {
    Job::SignalWorkflow(SignalWorkflow {
        signal_name: name.to_owned(),
        input,
        ..Default::default()
    })
}

fn query(name: &str, arguments: Vec<Payload>) -> Job {
    Job::QueryWorkflow(QueryWorkflow {
        query_id: format!("q-{name}"),
        query_type: name.to_owned(),
        arguments,
        ..Default::default()
    })
}

fn update(id: &str, name: &str, input: Vec<Payload>, run_validator: bool) -> Job {
    Job::DoUpdate(DoUpdate {
        id: id.to_owned(),
        protocol_instance_id: id.to_owned(),
        name: name.to_owned(),
        input,
        run_validator,
        ..Default::default()
    })
}

fn activation(jobs: Vec<Job>, replaying: bool) -> WorkflowActivation {
    WorkflowActivation {
        run_id: RUN_ID.to_owned(),
        timestamp: Some(prost_wkt_types::Timestamp {
            seconds: 1_700_000_000,
            nanos: 0,
        }),
        is_replaying: replaying,
        jobs: jobs.into_iter().map(job).collect(),
        ..Default::default()
    }
}

/// The commands of a successful completion; panics on a task failure.
fn commands(completion: WorkflowActivationCompletion) -> Vec<Command> {
    match completion.status {
        Some(workflow_activation_completion::Status::Successful(success)) => success
            .commands
            .into_iter()
            .filter_map(|c| c.variant)
            .collect(),
        other => panic!("expected commands, got {other:?}"),
    }
}

/// The message of a task failure; panics on a successful completion.
fn task_failure(completion: WorkflowActivationCompletion) -> String {
    match completion.status {
        Some(workflow_activation_completion::Status::Failed(failed)) => {
            let failure = failed.failure.expect("a task failure carries a failure");
            assert_eq!(
                application_type(&failure),
                failure_type::WORKFLOW_TASK_FAILED
            );
            failure.message
        }
        other => panic!("expected a task failure, got {other:?}"),
    }
}

fn application_type(failure: &Failure) -> &str {
    match &failure.failure_info {
        Some(FailureInfo::ApplicationFailureInfo(info)) => &info.r#type,
        other => panic!("expected an application failure, got {other:?}"),
    }
}

/// One run of `W` in the state machine.
struct TestRun {
    run: RunInstance,
}

impl TestRun {
    /// Starts a run of `W` with one argument; returns it and the first activation's commands.
    fn start<W: WorkflowDefinition>(argument: impl Serialize) -> (Self, Vec<Command>) {
        Self::start_with::<W>(vec![payload(argument)], Vec::new())
    }

    /// Starts a run with raw arguments and more jobs in the first activation.
    fn start_with<W: WorkflowDefinition>(
        arguments: Vec<Payload>,
        more: Vec<Job>,
    ) -> (Self, Vec<Command>) {
        Self::start_intercepted::<W>(arguments, more, &Interceptors::default())
    }

    /// Starts a run whose hooks call `interceptors`.
    fn start_intercepted<W: WorkflowDefinition>(
        arguments: Vec<Payload>,
        more: Vec<Job>,
        interceptors: &Interceptors,
    ) -> (Self, Vec<Command>) {
        let (mut run, first) = Self::begin::<W>(arguments, more, 7, interceptors);
        let commands = commands(run.run.activate(first));
        (run, commands)
    }

    fn begin<W: WorkflowDefinition>(
        arguments: Vec<Payload>,
        more: Vec<Job>,
        seed: u64,
        interceptors: &Interceptors,
    ) -> (Self, WorkflowActivation) {
        let mut jobs = vec![init::<W>(arguments, seed)];
        jobs.extend(more);
        let first = activation(jobs, false);
        let Some(Job::InitializeWorkflow(init)) = &first.jobs[0].variant else {
            unreachable!("the first job is the start job")
        };
        let run = start_run::<W>(RunStart {
            run_id: RUN_ID,
            namespace: "default",
            task_queue: "queue",
            meter: None,
            versioned: false,
            timestamp: activation_time(&first),
            init,
            interceptors,
        });
        (Self { run }, first)
    }

    fn activate(&mut self, jobs: Vec<Job>) -> WorkflowActivationCompletion {
        self.run.activate(activation(jobs, false))
    }

    fn commands(&mut self, jobs: Vec<Job>) -> Vec<Command> {
        commands(self.activate(jobs))
    }
}

fn completed_with<T: DeserializeOwned>(commands: &[Command]) -> T {
    match commands.last() {
        Some(Command::CompleteWorkflowExecution(done)) => {
            decode(done.result.as_ref().expect("a result payload")).expect("the result decodes")
        }
        other => panic!("expected the run to complete, got {other:?} in {commands:?}"),
    }
}

fn failed_with(commands: &[Command]) -> &Failure {
    match commands.last() {
        Some(Command::FailWorkflowExecution(failed)) => failed.failure.as_ref().expect("a failure"),
        other => panic!("expected the run to fail, got {other:?} in {commands:?}"),
    }
}

fn scheduled_activity(command: &Command) -> &ScheduleActivity {
    match command {
        Command::ScheduleActivity(schedule) => schedule,
        other => panic!("expected ScheduleActivity, got {other:?}"),
    }
}

fn query_answer(commands: &[Command]) -> &QueryResult {
    match commands {
        [Command::RespondToQuery(answer)] => answer,
        other => panic!("expected exactly one query answer, got {other:?}"),
    }
}

fn query_value<T: DeserializeOwned>(commands: &[Command]) -> T {
    match &query_answer(commands).variant {
        Some(query_result::Variant::Succeeded(success)) => {
            decode(success.response.as_ref().expect("a response")).expect("the answer decodes")
        }
        other => panic!("expected a query answer, got {other:?}"),
    }
}

fn query_failure(commands: &[Command]) -> &Failure {
    match &query_answer(commands).variant {
        Some(query_result::Variant::Failed(failure)) => failure,
        other => panic!("expected a failed query, got {other:?}"),
    }
}

fn update_responses(commands: &[Command]) -> Vec<&update_response::Response> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::UpdateResponse(UpdateResponse {
                response: Some(response),
                ..
            }) => Some(response),
            _ => None,
        })
        .collect()
}

/// A workflow-thread pool with the test workflows registered.
fn threads() -> WorkflowThreads {
    threads_with(None, std::sync::Arc::new(|_| {}))
}

/// One workflow thread (so every run shares it), with the deadlock watchdog at `deadlock`.
fn threads_with(deadlock: Option<Duration>, evict: Evict) -> WorkflowThreads {
    let mut registry = Registry::default();
    registry.add_workflow::<Approval>();
    registry.add_workflow::<Checkout>();
    registry.add_workflow::<Blocker>();
    registry.add_workflow::<Ledger>();
    WorkflowThreads::start(ThreadSettings {
        count: 1,
        registry: std::sync::Arc::new(registry),
        place: RunPlace {
            namespace: "default".to_owned(),
            task_queue: "queue".to_owned(),
            meter: None,
            versioned: false,
            interceptors: Interceptors::default(),
        },
        deadlock_timeout: deadlock,
        evict,
    })
}

fn on_thread(
    threads: &WorkflowThreads,
    activation: WorkflowActivation,
) -> WorkflowActivationCompletion {
    futures::executor::block_on(threads.dispatch(activation)).expect("the thread answers")
}

mod activities;
mod attributes;
mod cancellation;
mod children;
mod deadlock;
mod eviction;
mod handler_context;
mod init;
mod interceptors;
mod lifecycle;
mod local_activities;
mod patches;
mod queries;
mod saga;
mod scopes;
mod signals;
mod start;
mod timers;
mod updates;
