//! The run state machine without a server: activations built by hand go into a run, and the
//! tests read the commands (or the task failure) that come out. Each test names the rule it
//! pins down; together they cover start, timers, activities, signals, queries, updates,
//! cancellation, eviction, random seeds and jobs the run does not know.

use std::time::{Duration, SystemTime};

use serde::{Serialize, de::DeserializeOwned};
use temporalio_common::protos::{
    coresdk::{
        activity_result::{self, ActivityResolution, activity_resolution},
        workflow_activation::{
            CancelWorkflow, DoUpdate, FireTimer, InitializeWorkflow, QueryWorkflow,
            RemoveFromCache, ResolveActivity, ResolveChildWorkflowExecutionStart, SignalWorkflow,
            UpdateRandomSeed, WorkflowActivation, WorkflowActivationJob,
            workflow_activation_job::Variant as Job,
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
    payload::{Payload, decode, encode},
    prelude::*,
    worker::{
        registry::Registry,
        threads::{Evict, RunPlace, ThreadSettings, WorkflowThreads, deadlock_message},
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
            .await;
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
        ctx.sleep(Duration::from_secs(1)).await;
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
        ctx.sleep(Duration::from_secs(60)).await;
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
            Either::Right(()) => "timer".to_owned(),
        })
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
                ctx.sleep(Duration::ZERO).await;
                Ok(0)
            }
            "random-after-timer" => {
                ctx.sleep(Duration::from_secs(1)).await;
                Ok(ctx.random())
            }
            "random" => Ok(ctx.random()),
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
        ctx.wait_condition(move |s| s.notes.len() >= expected).await;
        Ok(ctx.state(|s| s.notes.len()))
    }

    #[update]
    fn add(&mut self, note: String) -> WorkflowResult<usize> {
        self.notes.push(note);
        panic!("add is broken");
    }

    #[update]
    async fn add_later(ctx: WorkflowContext<Self>, note: String) -> WorkflowResult<usize> {
        ctx.sleep(Duration::from_secs(1)).await;
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
        ctx.sleep(Duration::from_secs(1)).await;
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
        ctx.wait_condition(move |s| s.notes.len() >= expected).await;
        Ok(ctx.state(|s| s.notes.len()))
    }

    #[update]
    fn add(&mut self, note: String) -> WorkflowResult<usize> {
        self.notes.push(note);
        Ok(self.notes.len())
    }

    #[update]
    async fn add_later(ctx: WorkflowContext<Self>, note: String) -> WorkflowResult<usize> {
        ctx.sleep(Duration::from_secs(1)).await;
        Ok(ctx.state_mut(|s| {
            s.notes.push(note);
            s.notes.len()
        }))
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
        ctx.wait_condition(|s| s.done).await;
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
        let (mut run, first) = Self::begin::<W>(arguments, more, 7);
        let commands = commands(run.run.activate(first));
        (run, commands)
    }

    fn begin<W: WorkflowDefinition>(
        arguments: Vec<Payload>,
        more: Vec<Job>,
        seed: u64,
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
            timestamp: activation_time(&first),
            init,
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

// ---------------------------------------------------------------------------------------------
// Start and finish.

#[test]
fn a_run_that_returns_at_once_completes_with_its_encoded_result() {
    let (_, commands) = TestRun::start::<Quick>("four");
    assert_eq!(commands.len(), 1, "{commands:?}");
    assert_eq!(completed_with::<u64>(&commands), 4);
}

#[test]
fn the_first_activation_schedules_what_run_awaits_first() {
    let (_, commands) = TestRun::start::<Approval>(60_u64);
    assert!(
        matches!(commands.as_slice(), [Command::StartTimer(t)] if t.seq == 1
            && t.start_to_fire_timeout == Some(prost_wkt_types::Duration { seconds: 60, nanos: 0 })),
        "{commands:?}"
    );
}

#[test]
fn an_input_that_does_not_decode_fails_the_workflow_naming_the_type() {
    let (_, commands) = TestRun::start_with::<Quick>(vec![payload(17)], Vec::new());
    let failure = failed_with(&commands);
    assert_eq!(application_type(failure), failure_type::PAYLOAD_ERROR);
    assert!(failure.message.contains("`Quick`"), "{}", failure.message);
    assert!(failure.message.contains("String"), "{}", failure.message);
}

#[test]
fn more_arguments_than_declared_fail_the_workflow_naming_both_counts() {
    let (_, commands) =
        TestRun::start_with::<Quick>(vec![payload("abc"), payload("extra")], Vec::new());
    let failure = failed_with(&commands);
    assert_eq!(application_type(failure), failure_type::PAYLOAD_ERROR);
    assert!(
        failure
            .message
            .contains("workflow `Quick` declares 1 argument but received 2"),
        "{}",
        failure.message
    );
}

#[test]
fn an_error_from_run_fails_the_workflow_with_its_type_and_retry_flag() {
    let (_, commands) = TestRun::start::<Quick>("fail");
    let failure = failed_with(&commands);
    assert_eq!(application_type(failure), "OutOfStock");
    assert_eq!(failure.message, "item 7");
    let Some(FailureInfo::ApplicationFailureInfo(info)) = &failure.failure_info else {
        unreachable!()
    };
    assert!(info.non_retryable);
}

#[test]
fn a_panic_in_run_fails_the_task_and_every_later_activation_until_eviction() {
    let (mut run, first) = TestRun::begin::<Quick>(vec![payload("panic")], Vec::new(), 7);
    let message = task_failure(run.run.activate(first));
    assert!(message.contains("run exploded"), "{message}");
    let again = task_failure(run.activate(vec![fire(1)]));
    assert_eq!(again, message);
}

#[test]
fn nothing_is_sent_after_the_final_command() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let commands = run.commands(vec![signal("approve", vec![payload(true)])]);
    // The timer of the wait is cancelled when the condition wins, then the run completes.
    assert!(
        matches!(commands.first(), Some(Command::CancelTimer(_))),
        "{commands:?}"
    );
    assert_eq!(completed_with::<String>(&commands), "approved");
    assert!(run.commands(vec![fire(1)]).is_empty());
    assert!(
        run.commands(vec![signal("approve", vec![payload(false)])])
            .is_empty()
    );
}

// ---------------------------------------------------------------------------------------------
// Timers.

#[test]
fn a_fired_timer_resumes_the_run() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let commands = run.commands(vec![fire(1)]);
    assert_eq!(completed_with::<String>(&commands), "timed out");
}

#[test]
fn a_timer_fired_after_it_was_cancelled_is_ignored() {
    let (mut run, _) = TestRun::start::<Race>(false);
    let commands = run.commands(vec![completed(1, payload("txn-3"))]);
    assert!(matches!(commands.first(), Some(Command::CancelTimer(t)) if t.seq == 1));
    assert_eq!(completed_with::<String>(&commands), "txn-3");
    assert!(run.commands(vec![fire(1)]).is_empty());
}

#[test]
fn a_zero_sleep_completes_without_a_timer() {
    let (_, commands) = TestRun::start::<Quick>("zero-sleep");
    assert_eq!(commands.len(), 1, "{commands:?}");
    assert_eq!(completed_with::<u64>(&commands), 0);
}

#[test]
fn a_timer_that_wins_a_select_cancels_the_activity() {
    let (mut run, first) = TestRun::start::<Race>(false);
    assert!(matches!(
        first.as_slice(),
        [Command::ScheduleActivity(_), Command::StartTimer(_)]
    ));
    let commands = run.commands(vec![fire(1)]);
    assert!(
        matches!(commands.first(), Some(Command::RequestCancelActivity(c)) if c.seq == 1),
        "{commands:?}"
    );
    assert_eq!(completed_with::<String>(&commands), "timer");
}

// ---------------------------------------------------------------------------------------------
// Activities.

#[test]
fn an_activity_is_scheduled_with_its_type_queue_and_timeouts() {
    let (_, commands) = TestRun::start::<Checkout>(250_u64);
    let [command] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    let schedule = scheduled_activity(command);
    assert_eq!(schedule.seq, 1);
    assert_eq!(schedule.activity_type, "charge");
    assert_eq!(schedule.task_queue, "queue");
    assert_eq!(decode::<u64>(&schedule.arguments[0]).ok(), Some(250));
    assert_eq!(
        schedule.start_to_close_timeout,
        Some(prost_wkt_types::Duration {
            seconds: 5,
            nanos: 0
        })
    );
}

#[test]
fn an_activity_result_resumes_the_run() {
    let (mut run, _) = TestRun::start::<Checkout>(250_u64);
    let commands = run.commands(vec![completed(1, payload("txn-250"))]);
    assert!(matches!(commands.as_slice(), [Command::StartTimer(t)] if t.seq == 1));
    let commands = run.commands(vec![fire(1)]);
    assert_eq!(completed_with::<String>(&commands), "txn-250");
}

#[test]
fn an_activity_failure_reaches_the_workflow_failure_with_the_activity_s_type() {
    let (mut run, _) = TestRun::start::<Checkout>(250_u64);
    let failure = Failure {
        message: "Activity task failed".to_owned(),
        cause: Some(Box::new(application("PaymentDeclined", "card declined"))),
        ..Default::default()
    };
    let commands = run.commands(vec![resolve(
        1,
        activity_resolution::Status::Failed(activity_result::Failure {
            failure: Some(failure),
            ..Default::default()
        }),
    )]);
    let failed = failed_with(&commands);
    let cause = failed
        .cause
        .as_deref()
        .expect("the activity's failure is kept");
    assert_eq!(application_type(cause), "PaymentDeclined");
    assert_eq!(cause.message, "card declined");
}

#[test]
fn a_cancelled_activity_fails_the_run_with_a_cancellation() {
    let (mut run, _) = TestRun::start::<Checkout>(250_u64);
    let cancelled = Failure {
        message: "cancelled".to_owned(),
        failure_info: Some(FailureInfo::CanceledFailureInfo(Default::default())),
        ..Default::default()
    };
    let commands = run.commands(vec![resolve(
        1,
        activity_resolution::Status::Cancelled(activity_result::Cancellation {
            failure: Some(cancelled),
        }),
    )]);
    let failed = failed_with(&commands);
    assert!(matches!(
        failed.failure_info,
        Some(FailureInfo::CanceledFailureInfo(_))
    ));
}

#[test]
fn an_activity_result_that_does_not_decode_fails_the_run_naming_the_activity() {
    let (mut run, _) = TestRun::start::<Checkout>(250_u64);
    let commands = run.commands(vec![completed(1, payload(12))]);
    let failed = failed_with(&commands);
    assert_eq!(application_type(failed), failure_type::PAYLOAD_ERROR);
    assert!(failed.message.contains("`charge`"), "{}", failed.message);
}

#[test]
fn joined_activities_are_scheduled_in_argument_order_in_one_activation() {
    let (mut run, commands) = TestRun::start::<Race>(true);
    let seqs: Vec<(u32, u64)> = commands
        .iter()
        .map(scheduled_activity)
        .map(|s| (s.seq, decode(&s.arguments[0]).expect("u64")))
        .collect();
    assert_eq!(seqs, [(1, 1), (2, 2)]);
    // Results may arrive in any order; the run sees each at its own place.
    let commands = run.commands(vec![completed(2, payload("b")), completed(1, payload("a"))]);
    assert_eq!(completed_with::<String>(&commands), "a+b");
}

#[test]
fn an_activity_resolved_after_the_run_finished_is_ignored() {
    let (mut run, _) = TestRun::start::<Race>(false);
    run.commands(vec![fire(1)]);
    assert!(run.commands(vec![completed(1, payload("late"))]).is_empty());
}

// ---------------------------------------------------------------------------------------------
// Signals.

#[test]
fn a_signal_in_the_first_activation_is_applied_before_run_starts() {
    // Signal-with-start: core puts the signal after the start job, before run is polled.
    let (_, commands) = TestRun::start_with::<Approval>(
        vec![payload(60_u64)],
        vec![signal("approve", vec![payload(true)])],
    );
    assert_eq!(commands.len(), 1, "no timer is needed: {commands:?}");
    assert_eq!(completed_with::<String>(&commands), "approved");
}

#[test]
fn a_signal_after_start_wakes_a_waiting_condition() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let commands = run.commands(vec![signal("approve", vec![payload(false)])]);
    assert_eq!(completed_with::<String>(&commands), "rejected");
}

#[test]
fn an_unknown_signal_is_dropped_and_the_run_goes_on() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    assert!(run.commands(vec![signal("nope", Vec::new())]).is_empty());
    let commands = run.commands(vec![fire(1)]);
    assert_eq!(completed_with::<String>(&commands), "timed out");
}

#[test]
fn a_signal_whose_arguments_do_not_decode_is_dropped() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    assert!(
        run.commands(vec![signal("approve", vec![payload("yes")])])
            .is_empty()
    );
    let commands = run.commands(vec![signal("approve", vec![payload(true)])]);
    assert_eq!(completed_with::<String>(&commands), "approved");
}

#[test]
fn a_signal_with_more_arguments_than_declared_is_dropped() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    assert!(
        run.commands(vec![signal("approve", vec![payload(true), payload(false)])])
            .is_empty()
    );
    let commands = run.commands(vec![query("status", Vec::new())]);
    assert_eq!(query_value::<Option<bool>>(&commands), None);
    let commands = run.commands(vec![signal("approve", vec![payload(false)])]);
    assert_eq!(completed_with::<String>(&commands), "rejected");
}

#[test]
fn a_panic_in_a_sync_signal_fails_the_task() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let message = task_failure(run.activate(vec![signal("explode", Vec::new())]));
    assert!(
        message.contains("signal handler `explode` panicked"),
        "{message}"
    );
    assert!(message.contains("signal handler exploded"), "{message}");
}

#[test]
fn an_async_signal_runs_activities_and_run_waits_for_it() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let commands = run.commands(vec![signal("refund", vec![payload(5_u64)])]);
    let [command] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    assert_eq!(scheduled_activity(command).seq, 1);
    // Approved while the refund runs: run waits for the handler before it returns.
    let commands = run.commands(vec![signal("approve", vec![payload(true)])]);
    assert!(
        matches!(commands.as_slice(), [Command::CancelTimer(_)]),
        "{commands:?}"
    );
    let commands = run.commands(vec![completed(1, payload("txn-5"))]);
    assert_eq!(completed_with::<String>(&commands), "approved");
}

#[test]
fn an_error_from_an_async_signal_fails_the_workflow() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let commands = run.commands(vec![signal("abort", vec![payload("changed my mind")])]);
    let failed = failed_with(&commands);
    assert_eq!(application_type(failed), "Aborted");
    assert_eq!(failed.message, "changed my mind");
}

// ---------------------------------------------------------------------------------------------
// Queries.

#[test]
fn a_query_answers_from_the_state_and_changes_nothing() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let commands = run.commands(vec![query("status", Vec::new())]);
    assert_eq!(query_value::<Option<bool>>(&commands), None);
    assert_eq!(query_answer(&commands).query_id, "q-status");
    run.commands(vec![update(
        "u1",
        "add_note",
        vec![payload("a note")],
        true,
    )]);
    let commands = run.commands(vec![query("note_count", vec![payload("a ")])]);
    assert_eq!(query_value::<usize>(&commands), 1);
}

#[test]
fn an_unknown_query_fails_listing_the_workflow_s_queries() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let commands = run.commands(vec![query("nope", Vec::new())]);
    let failure = query_failure(&commands);
    assert_eq!(application_type(failure), failure_type::QUERY_NOT_FOUND);
    assert!(
        failure
            .message
            .contains("its queries are: `crash`, `note_count`, `status`"),
        "{}",
        failure.message
    );
}

#[test]
fn a_panic_in_a_query_fails_only_that_query() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let commands = run.commands(vec![query("crash", Vec::new())]);
    let failure = query_failure(&commands);
    assert_eq!(application_type(failure), failure_type::PANIC);
    assert!(
        failure.message.contains("query exploded"),
        "{}",
        failure.message
    );
    let commands = run.commands(vec![fire(1)]);
    assert_eq!(completed_with::<String>(&commands), "timed out");
}

#[test]
fn a_query_with_more_arguments_than_declared_fails_naming_both_counts() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let commands = run.commands(vec![query("status", vec![payload(1)])]);
    let failure = query_failure(&commands);
    assert_eq!(application_type(failure), failure_type::PAYLOAD_ERROR);
    assert!(
        failure
            .message
            .contains("query `status` of workflow `Approval` declares no arguments but received 1"),
        "{}",
        failure.message
    );
    let commands = run.commands(vec![query("note_count", vec![payload("a"), payload("b")])]);
    let failure = query_failure(&commands);
    assert!(
        failure
            .message
            .contains("declares 1 argument but received 2"),
        "{}",
        failure.message
    );
}

#[test]
fn built_in_queries_describe_handlers_and_pending_work() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let commands = run.commands(vec![query("__temporal_workflow_metadata", Vec::new())]);
    let Some(query_result::Variant::Succeeded(success)) = &query_answer(&commands).variant else {
        panic!("{commands:?}")
    };
    let response = success.response.as_ref().expect("a response");
    let metadata: serde_json::Value =
        serde_json::from_slice(&response.data).expect("json/protobuf");
    assert_eq!(metadata["definition"]["type"], "Approval");
    assert_eq!(
        metadata["definition"]["updateDefinitions"],
        serde_json::json!([{ "name": "add_note" }, { "name": "slow_note" }])
    );
    let commands = run.commands(vec![query("__stack_trace", Vec::new())]);
    let trace: String = query_value(&commands);
    assert!(trace.contains("timers [1]"), "{trace}");
}

// ---------------------------------------------------------------------------------------------
// Updates.

#[test]
fn a_sync_update_is_accepted_and_completed_in_one_activation() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let commands = run.commands(vec![update("u1", "add_note", vec![payload("hi")], true)]);
    let responses = update_responses(&commands);
    assert!(
        matches!(
            responses.as_slice(),
            [update_response::Response::Accepted(()), update_response::Response::Completed(p)]
                if decode::<usize>(p).ok() == Some(1)
        ),
        "{commands:?}"
    );
}

#[test]
fn a_validator_rejection_is_answered_before_acceptance_and_the_handler_does_not_run() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let commands = run.commands(vec![update("u1", "add_note", vec![payload("")], true)]);
    let responses = update_responses(&commands);
    let [update_response::Response::Rejected(failure)] = responses.as_slice() else {
        panic!("{commands:?}")
    };
    assert_eq!(application_type(failure), "EmptyNote");
    let commands = run.commands(vec![query("note_count", vec![payload("")])]);
    assert_eq!(query_value::<usize>(&commands), 0);
}

#[test]
fn validators_do_not_run_on_replay() {
    // On replay the history already says the update was accepted; a validator that would
    // reject it now must not break the replay.
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let commands = run.commands(vec![update("u1", "add_note", vec![payload("")], false)]);
    let responses = update_responses(&commands);
    assert!(
        matches!(
            responses.first(),
            Some(update_response::Response::Accepted(()))
        ),
        "{commands:?}"
    );
}

#[test]
fn an_error_from_an_update_handler_fails_the_update_after_acceptance() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let commands = run.commands(vec![update(
        "u1",
        "add_note",
        vec![payload("refuse")],
        true,
    )]);
    let responses = update_responses(&commands);
    let [
        update_response::Response::Accepted(()),
        update_response::Response::Rejected(failure),
    ] = responses.as_slice()
    else {
        panic!("{commands:?}")
    };
    assert_eq!(application_type(failure), "Refused");
}

#[test]
fn an_async_update_is_accepted_now_and_completed_when_its_handler_ends() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let commands = run.commands(vec![update(
        "u1",
        "slow_note",
        vec![payload("later")],
        true,
    )]);
    let responses = update_responses(&commands);
    assert!(matches!(
        responses.as_slice(),
        [update_response::Response::Accepted(())]
    ));
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::StartTimer(t) if t.seq == 2)),
        "{commands:?}"
    );
    let commands = run.commands(vec![fire(2)]);
    let responses = update_responses(&commands);
    assert!(
        matches!(responses.as_slice(), [update_response::Response::Completed(p)] if decode::<usize>(p).ok() == Some(1)),
        "{commands:?}"
    );
}

#[test]
fn a_panic_in_a_sync_update_fails_the_task_and_a_fixed_worker_completes_the_update() {
    let (mut buggy, commands) = TestRun::start::<BuggyNotes>(1_usize);
    assert!(commands.is_empty(), "{commands:?}");
    let add = || update("u1", "add", vec![payload("hi")], true);
    let message = task_failure(buggy.activate(vec![add()]));
    assert!(
        message.contains("update handler `add` panicked: add is broken"),
        "{message}"
    );
    // The handler changed the state before it panicked: the run answers nothing more until
    // core evicts it (it always does after a failed activation).
    assert_eq!(task_failure(buggy.activate(vec![add()])), message);
    // Core evicts the run and the server retries the task with the update still pending; a
    // fixed worker rebuilds the run from the start and completes the update.
    let (_, commands) = TestRun::start_with::<FixedNotes>(vec![payload(1_usize)], vec![add()]);
    let responses = update_responses(&commands);
    assert!(
        matches!(
            responses.as_slice(),
            [update_response::Response::Accepted(()), update_response::Response::Completed(p)]
                if decode::<usize>(p).ok() == Some(1)
        ),
        "{commands:?}"
    );
    assert_eq!(completed_with::<usize>(&commands), 1);
}

#[test]
fn a_panic_in_an_async_update_fails_the_task_and_a_replay_on_a_fixed_worker_completes_it() {
    let (mut buggy, _) = TestRun::start::<BuggyNotes>(1_usize);
    let add_later = |run_validator| update("u1", "add_later", vec![payload("hi")], run_validator);
    let commands = buggy.commands(vec![add_later(true)]);
    assert!(
        matches!(
            update_responses(&commands).as_slice(),
            [update_response::Response::Accepted(())]
        ),
        "{commands:?}"
    );
    let message = task_failure(buggy.activate(vec![fire(1)]));
    assert!(
        message.contains("update handler `add_later` panicked: add_later is broken, not hi"),
        "{message}"
    );
    // The acceptance and the timer are in history; the fixed worker replays them (no validator
    // on replay) and completes the update when the timer fires.
    let (mut fixed, commands) =
        TestRun::start_with::<FixedNotes>(vec![payload(1_usize)], vec![add_later(false)]);
    assert!(
        matches!(
            commands.as_slice(),
            [Command::UpdateResponse(_), Command::StartTimer(t)] if t.seq == 1
        ),
        "{commands:?}"
    );
    let commands = fixed.commands(vec![fire(1)]);
    assert!(
        matches!(
            update_responses(&commands).as_slice(),
            [update_response::Response::Completed(p)] if decode::<usize>(p).ok() == Some(1)
        ),
        "{commands:?}"
    );
    assert_eq!(completed_with::<usize>(&commands), 1);
}

#[test]
fn a_panic_in_an_async_signal_fails_the_task() {
    let (mut run, _) = TestRun::start::<BuggyNotes>(1_usize);
    let commands = run.commands(vec![signal("add_eventually", vec![payload("hi")])]);
    assert!(
        matches!(commands.as_slice(), [Command::StartTimer(t)] if t.seq == 1),
        "{commands:?}"
    );
    let message = task_failure(run.activate(vec![fire(1)]));
    assert!(
        message.contains("add_eventually is broken, not hi"),
        "{message}"
    );
}

#[test]
fn a_panic_in_a_validator_rejects_the_update_and_the_run_goes_on() {
    let (mut run, _) = TestRun::start::<BuggyNotes>(1_usize);
    let commands = run.commands(vec![update("u1", "guarded", Vec::new(), true)]);
    let responses = update_responses(&commands);
    let [update_response::Response::Rejected(failure)] = responses.as_slice() else {
        panic!("{commands:?}")
    };
    assert_eq!(application_type(failure), failure_type::PANIC);
    assert!(
        failure.message.contains("the validator is broken"),
        "{}",
        failure.message
    );
    let commands = run.commands(vec![update("u2", "guarded", Vec::new(), false)]);
    assert_eq!(update_responses(&commands).len(), 2, "{commands:?}");
}

#[test]
fn unknown_updates_and_undecodable_arguments_are_rejected_before_acceptance() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let commands = run.commands(vec![
        update("u1", "nope", Vec::new(), true),
        update("u2", "add_note", vec![payload(5)], true),
    ]);
    let responses = update_responses(&commands);
    let [
        update_response::Response::Rejected(unknown),
        update_response::Response::Rejected(undecodable),
    ] = responses.as_slice()
    else {
        panic!("{commands:?}")
    };
    assert_eq!(application_type(unknown), failure_type::UPDATE_NOT_FOUND);
    assert!(
        unknown.message.contains("`add_note`, `slow_note`"),
        "{}",
        unknown.message
    );
    assert_eq!(application_type(undecodable), failure_type::PAYLOAD_ERROR);
}

#[test]
fn updates_with_more_arguments_than_declared_are_rejected_before_acceptance() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    // `add_note` has a validator, `slow_note` has none: both count before accepting.
    let commands = run.commands(vec![
        update("u1", "add_note", vec![payload("a"), payload("b")], true),
        update("u2", "slow_note", vec![payload("a"), payload("b")], true),
    ]);
    let responses = update_responses(&commands);
    let [
        update_response::Response::Rejected(validated),
        update_response::Response::Rejected(unvalidated),
    ] = responses.as_slice()
    else {
        panic!("{commands:?}")
    };
    for rejection in [validated, unvalidated] {
        assert_eq!(application_type(rejection), failure_type::PAYLOAD_ERROR);
        assert!(
            rejection
                .message
                .contains("declares 1 argument but received 2"),
            "{}",
            rejection.message
        );
    }
    let commands = run.commands(vec![query("note_count", vec![payload("a")])]);
    assert_eq!(query_value::<usize>(&commands), 0, "no handler ran");
}

// ---------------------------------------------------------------------------------------------
// Cancellation, random seeds, unknown jobs.

#[test]
fn a_cancellation_request_ends_the_run_without_cancelling_its_timer_afterwards() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let commands = run.commands(vec![Job::CancelWorkflow(CancelWorkflow {
        reason: "user".to_owned(),
    })]);
    assert!(
        matches!(commands.as_slice(), [Command::CancelWorkflowExecution(_)]),
        "{commands:?}"
    );
    assert!(run.commands(vec![fire(1)]).is_empty());
}

#[test]
fn random_values_follow_the_seed_and_its_updates() {
    let (_, commands) = TestRun::start::<Quick>("random");
    assert_eq!(
        completed_with::<u64>(&commands),
        WorkflowRng::new(7).next_u64()
    );
    let (mut run, _) = TestRun::start::<Quick>("random-after-timer");
    let commands = run.commands(vec![
        Job::UpdateRandomSeed(UpdateRandomSeed {
            randomness_seed: 99,
        }),
        fire(1),
    ]);
    assert_eq!(
        completed_with::<u64>(&commands),
        WorkflowRng::new(99).next_u64()
    );
}

#[test]
fn a_job_the_run_does_not_know_fails_the_task_naming_it() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let message = task_failure(run.activate(vec![Job::ResolveChildWorkflowExecutionStart(
        ResolveChildWorkflowExecutionStart {
            seq: 1,
            status: None,
        },
    )]));
    assert!(
        message.contains("cannot handle the activation job ResolveChildWorkflowExecutionStart"),
        "{message}"
    );
}

#[test]
fn workflow_time_is_the_activation_s_timestamp() {
    let first = activation(Vec::new(), false);
    assert_eq!(
        activation_time(&first),
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    );
}

// ---------------------------------------------------------------------------------------------
// Eviction and the workflow threads' cache.

fn threads() -> WorkflowThreads {
    threads_with(None, std::sync::Arc::new(|_| {}))
}

/// One workflow thread (so every run shares it), with the deadlock watchdog at `deadlock`.
fn threads_with(deadlock: Option<Duration>, evict: Evict) -> WorkflowThreads {
    let mut registry = Registry::default();
    registry.add_workflow::<Approval>();
    registry.add_workflow::<Checkout>();
    registry.add_workflow::<Blocker>();
    WorkflowThreads::start(ThreadSettings {
        count: 1,
        registry: std::sync::Arc::new(registry),
        place: RunPlace {
            namespace: "default".to_owned(),
            task_queue: "queue".to_owned(),
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

#[test]
fn an_eviction_drops_the_run_and_a_replay_from_the_start_rebuilds_it() {
    let threads = threads();
    let start = activation(vec![init::<Checkout>(vec![payload(9_u64)], 7)], false);
    let first = commands(on_thread(&threads, start.clone()));
    let evict = activation(
        vec![Job::RemoveFromCache(RemoveFromCache {
            message: "cache full".to_owned(),
            ..Default::default()
        })],
        false,
    );
    assert!(eviction(&evict).is_some());
    assert!(commands(on_thread(&threads, evict)).is_empty());
    // Without a start job there is nothing to rebuild the run from.
    let orphan = task_failure(on_thread(
        &threads,
        activation(vec![completed(1, payload("txn-9"))], false),
    ));
    assert!(orphan.contains("no cached state"), "{orphan}");
    // Core replays from the start: the same commands come out again.
    let mut replay = start;
    replay.is_replaying = true;
    assert_eq!(commands(on_thread(&threads, replay)), first);
}

#[test]
fn an_unknown_workflow_type_fails_the_task_listing_the_registered_types() {
    let threads = threads();
    let message = task_failure(on_thread(
        &threads,
        activation(vec![init::<Quick>(vec![payload("x")], 7)], false),
    ));
    assert!(
        message.contains(
            "unknown workflow type `Quick`: this worker registers `Approval`, `Blocker`, `Checkout`"
        ),
        "{message}"
    );
}

// ---------------------------------------------------------------------------------------------
// Deadlock detection: the watchdog of the workflow threads.

/// `activation` for another run than [`RUN_ID`].
fn for_run(run_id: &str, mut activation: WorkflowActivation) -> WorkflowActivation {
    activation.run_id = run_id.to_owned();
    activation
}

/// Evictions the watchdog requested, and a callback that records them.
fn recorded_evictions() -> (std::sync::Arc<std::sync::Mutex<Vec<String>>>, Evict) {
    let evicted = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let recorder = std::sync::Arc::clone(&evicted);
    let evict: Evict = std::sync::Arc::new(move |run_id: &str| {
        recorder
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(run_id.to_owned())
    });
    (evicted, evict)
}

/// Opens `gate` after a minute, so that a broken watchdog fails its test instead of hanging it.
fn open_later(gate: &'static Gate) {
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(60));
        gate.open();
    });
}

#[test]
fn a_blocked_handler_fails_its_task_as_a_deadlock_and_a_fresh_thread_serves_the_others() {
    let (evicted, evict) = recorded_evictions();
    let threads = threads_with(Some(Duration::from_millis(200)), evict);
    open_later(&SIGNAL_GATE);
    // A run cached on the thread before it gets stuck.
    let cached = for_run(
        "cached-run",
        activation(vec![init::<Approval>(vec![payload(60_u64)], 7)], false),
    );
    assert_eq!(commands(on_thread(&threads, cached)).len(), 1, "its timer");
    let blocker = activation(vec![init::<Blocker>(vec![payload(false)], 7)], false);
    assert!(commands(on_thread(&threads, blocker)).is_empty());

    // The stuck activation, then one of the cached run that waits behind it.
    let stuck = threads.dispatch(activation(vec![signal("stall", vec![])], false));
    let behind = threads.dispatch(for_run(
        "cached-run",
        activation(vec![signal("approve", vec![payload(true)])], false),
    ));
    let message = task_failure(futures::executor::block_on(stuck).expect("the watchdog answers"));
    for expected in [
        "[TMPRL1101] Potential deadlock detected",
        "workflow `Blocker` (workflow id `wf-1`, run id `run-1`)",
        "did not yield within 200ms while running signal handler `stall`",
        "Worker::deadlock_detection_timeout",
    ] {
        assert!(message.contains(expected), "{expected:?} in {message}");
    }
    // The cached run's state was lost with the stuck thread: its waiting task fails naming the
    // cause, and core is asked to evict it so it replays on the fresh thread.
    let lost = task_failure(futures::executor::block_on(behind).expect("the fresh thread answers"));
    assert!(
        lost.contains("cached state of this run was lost") && lost.contains("workflow `Blocker`"),
        "{lost}"
    );
    // The watchdog asks for the evictions right after it answers; the fresh thread may be first.
    let evictions = || evicted.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let asked = std::time::Instant::now();
    while evictions().is_empty() && asked.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(
        evictions(),
        vec!["cached-run".to_owned()],
        "only the runs cached on the stuck thread are evicted; core evicts the failed one"
    );

    // The fresh thread serves new runs and replays while the stuck one is still blocked.
    let fresh = for_run(
        "fresh-run",
        activation(vec![init::<Checkout>(vec![payload(9_u64)], 7)], false),
    );
    assert_eq!(commands(on_thread(&threads, fresh)).len(), 1);
    let evict_stuck = activation(
        vec![Job::RemoveFromCache(RemoveFromCache::default())],
        false,
    );
    assert!(commands(on_thread(&threads, evict_stuck)).is_empty());
    let mut replay = for_run(
        "cached-run",
        activation(vec![init::<Approval>(vec![payload(60_u64)], 7)], true),
    );
    replay.is_replaying = true;
    assert_eq!(commands(on_thread(&threads, replay)).len(), 1);

    // The stuck run's retried task blocks again, on the quarantine thread now: the runs on the
    // fresh thread keep their state and no other eviction is asked for.
    let retried = activation(vec![init::<Blocker>(vec![payload(false)], 7)], false);
    assert!(commands(on_thread(&threads, retried)).is_empty());
    let again = task_failure(on_thread(
        &threads,
        activation(vec![signal("stall", vec![])], false),
    ));
    assert!(again.contains("Potential deadlock detected"), "{again}");
    let approve = for_run(
        "cached-run",
        activation(vec![signal("approve", vec![payload(true)])], false),
    );
    assert!(!commands(on_thread(&threads, approve)).is_empty());
    assert_eq!(evictions(), vec!["cached-run".to_owned()]);

    // Once unblocked, the abandoned threads discard their late results and stop; the shards
    // keep answering through the fresh threads, each activation once.
    SIGNAL_GATE.open();
    let next = for_run(
        "fresh-run",
        activation(vec![completed(1, payload("txn-9"))], false),
    );
    assert!(!commands(on_thread(&threads, next)).is_empty());
}

#[test]
fn a_blocked_run_is_named_as_such_and_a_quick_activation_is_not_a_deadlock() {
    let threads = threads_with(
        Some(Duration::from_millis(200)),
        std::sync::Arc::new(|_| {}),
    );
    open_later(&RUN_GATE);
    // Activations that return in time, one after another, never trip the watchdog.
    for round in 0..5 {
        let quick = for_run(
            &format!("quick-{round}"),
            activation(vec![init::<Checkout>(vec![payload(9_u64)], 7)], false),
        );
        assert_eq!(commands(on_thread(&threads, quick)).len(), 1);
        std::thread::sleep(Duration::from_millis(60));
    }
    let message = task_failure(on_thread(
        &threads,
        activation(vec![init::<Blocker>(vec![payload(true)], 7)], false),
    ));
    assert!(
        message.contains("workflow `Blocker` (workflow id `wf-1`, run id `run-1`)")
            && message.contains("while running `run`"),
        "{message}"
    );
    RUN_GATE.open();
}

#[test]
fn the_deadlock_message_says_what_ran_and_what_to_do() {
    let message = deadlock_message(
        "workflow `W` (workflow id `w`, run id `r`)",
        None,
        Duration::from_secs(2),
    );
    assert!(
        message.contains("did not yield within 2s while applying its activation"),
        "{message}"
    );
    assert!(
        message.contains("ctx.sleep()") && message.contains("activity"),
        "{message}"
    );
}
