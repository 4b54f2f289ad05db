//! Child workflows, continue-as-new and signals to other workflows.

use temporalio_common::protos::coresdk::{
    child_workflow::{
        self, ChildWorkflowResult, StartChildWorkflowExecutionFailedCause, child_workflow_result,
    },
    workflow_activation::{
        ResolveChildWorkflowExecution, ResolveChildWorkflowExecutionStart,
        ResolveChildWorkflowExecutionStartFailure, ResolveSignalExternalWorkflow,
        resolve_child_workflow_execution_start,
    },
    workflow_commands::{CancelChildWorkflowExecution, signal_external_workflow_execution},
};

use super::*;
use crate::{ChildWorkflowOptions, ParentClosePolicy};

/// Doubles its input.
#[derive(Default)]
pub struct Kid {
    nudged: u32,
}

#[workflow]
impl Kid {
    #[run]
    async fn run(_ctx: WorkflowContext<Self>, n: u32) -> WorkflowResult<u32> {
        Ok(n * 2)
    }

    #[signal]
    fn nudge(&mut self, by: u32) {
        self.nudged += by;
    }
}

/// Starts one child, signals it, and returns its result plus one.
#[derive(Default)]
pub struct Parent;

#[workflow]
impl Parent {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, n: u32) -> WorkflowResult<String> {
        let options = ChildWorkflowOptions::new()
            .workflow_id("kid-1")
            .parent_close_policy(ParentClosePolicy::Abandon)
            .memo(crate::Memo::new().with("owner", "parent"))
            .static_summary("Kid of the parent");
        let child = match ctx.child(Kid::run, n).options(options).start().await {
            Ok(child) => child,
            Err(failed) => return Ok(failed.to_string()),
        };
        child.signal(Kid::nudge, 7).await?;
        let doubled = child.result().await?;
        // A handle's result can be awaited again.
        assert_eq!(child.result().await?, doubled);
        Ok(format!("{}", doubled + 1))
    }
}

fn child_started(seq: u32) -> Job {
    Job::ResolveChildWorkflowExecutionStart(ResolveChildWorkflowExecutionStart {
        seq,
        status: Some(resolve_child_workflow_execution_start::Status::Succeeded(
            Default::default(),
        )),
    })
}

fn child_completed(seq: u32, result: Payload) -> Job {
    Job::ResolveChildWorkflowExecution(ResolveChildWorkflowExecution {
        seq,
        result: Some(ChildWorkflowResult {
            status: Some(child_workflow_result::Status::Completed(
                child_workflow::Success {
                    result: Some(result),
                },
            )),
        }),
    })
}

#[test]
fn a_child_is_started_with_its_options_signalled_and_its_result_returned() {
    let (mut run, commands) = TestRun::start::<Parent>(20_u32);
    let [Command::StartChildWorkflowExecution(start)] = commands.as_slice() else {
        panic!("expected the child's start, got {commands:?}")
    };
    assert_eq!(start.seq, 1);
    assert_eq!(start.workflow_id, "kid-1");
    assert_eq!(start.workflow_type, "Kid");
    assert_eq!(start.task_queue, "queue");
    assert_eq!(start.namespace, "default");
    assert_eq!(decode::<u32>(&start.input[0]).ok(), Some(20));
    assert_eq!(
        start.parent_close_policy,
        child_workflow::ParentClosePolicy::Abandon as i32
    );
    assert_eq!(
        start.cancellation_type,
        child_workflow::ChildWorkflowCancellationType::WaitCancellationCompleted as i32
    );
    assert_eq!(
        decode::<String>(&start.memo["owner"]).ok().as_deref(),
        Some("parent")
    );

    let commands = run.commands(vec![child_started(1)]);
    let [Command::SignalExternalWorkflowExecution(signal)] = commands.as_slice() else {
        panic!("expected the signal, got {commands:?}")
    };
    assert_eq!(signal.signal_name, "nudge");
    assert_eq!(
        signal.target,
        Some(signal_external_workflow_execution::Target::ChildWorkflowId(
            "kid-1".to_owned()
        ))
    );
    assert!(
        run.commands(vec![Job::ResolveSignalExternalWorkflow(
            ResolveSignalExternalWorkflow {
                seq: 1,
                ..Default::default()
            }
        )])
        .is_empty()
    );
    let commands = run.commands(vec![child_completed(1, payload(40_u32))]);
    assert_eq!(completed_with::<String>(&commands), "41");
}

#[test]
fn a_child_whose_id_is_taken_reports_a_clear_start_error() {
    let (mut run, _) = TestRun::start::<Parent>(20_u32);
    let commands = run.commands(vec![Job::ResolveChildWorkflowExecutionStart(
        ResolveChildWorkflowExecutionStart {
            seq: 1,
            status: Some(resolve_child_workflow_execution_start::Status::Failed(
                ResolveChildWorkflowExecutionStartFailure {
                    workflow_id: "kid-1".to_owned(),
                    workflow_type: "Kid".to_owned(),
                    cause: StartChildWorkflowExecutionFailedCause::WorkflowAlreadyExists as i32,
                },
            )),
        },
    )]);
    let message = completed_with::<String>(&commands);
    assert!(
        message.contains("child workflow `Kid` (workflow id `kid-1`) could not start")
            && message.contains("already running"),
        "{message}"
    );
}

#[test]
fn the_workflow_s_cancellation_cancels_its_children() {
    let (mut run, _) = TestRun::start::<Parent>(20_u32);
    run.commands(vec![child_started(1)]);
    let commands = run.commands(vec![Job::CancelWorkflow(CancelWorkflow {
        reason: "stop".to_owned(),
    })]);
    assert!(
        matches!(
            commands.as_slice(),
            [Command::CancelChildWorkflowExecution(
                CancelChildWorkflowExecution {
                    child_workflow_seq: 1,
                    ..
                }
            )]
        ),
        "{commands:?}"
    );
}

/// Counts up by continuing as new until it reaches three.
#[derive(Default)]
pub struct Ticker;

#[workflow]
impl Ticker {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, ticks: u64) -> WorkflowResult<u64> {
        if ticks < 3 {
            return ctx
                .continue_as_new(Ticker::run, ticks + 1)
                .options(ContinueAsNewOptions::new().task_queue("next-queue"))
                .await;
        }
        Ok(ticks)
    }
}

#[test]
fn continue_as_new_ends_the_run_with_the_next_input() {
    let (_, commands) = TestRun::start::<Ticker>(1_u64);
    let [Command::ContinueAsNewWorkflowExecution(next)] = commands.as_slice() else {
        panic!("expected continue-as-new, got {commands:?}")
    };
    assert_eq!(next.workflow_type, "Ticker");
    assert_eq!(next.task_queue, "next-queue");
    assert_eq!(decode::<u64>(&next.arguments[0]).ok(), Some(2));
    assert!(
        next.memo.is_empty(),
        "an empty memo lets core carry the current one over"
    );
    let (_, commands) = TestRun::start::<Ticker>(3_u64);
    assert_eq!(completed_with::<u64>(&commands), 3);
}

/// Races a child (default options) against a timer, and drops a started child's handle.
#[derive(Default)]
pub struct Racer;

#[workflow]
impl Racer {
    #[run]
    async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<String> {
        let handle = ctx.child(Kid::run, 1).start().await?;
        drop(handle);
        match ctx
            .select(ctx.child(Kid::run, 2), ctx.sleep(Duration::from_secs(1)))
            .await
        {
            Either::Left(_) => Ok("child".to_owned()),
            Either::Right(fired) => {
                fired?;
                Ok("timer".to_owned())
            }
        }
    }
}

#[test]
fn a_dropped_child_call_is_cancelled_and_a_dropped_handle_is_not() {
    let (mut run, commands) = TestRun::start_with::<Racer>(Vec::new(), Vec::new());
    let [Command::StartChildWorkflowExecution(first)] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    assert!(
        uuid::Uuid::parse_str(&first.workflow_id).is_ok(),
        "the default child id is a UUID from the run's seed: {}",
        first.workflow_id
    );
    let commands = run.commands(vec![child_started(1)]);
    let [
        Command::StartChildWorkflowExecution(second),
        Command::StartTimer(_),
    ] = commands.as_slice()
    else {
        panic!("dropping the first handle sent nothing: {commands:?}")
    };
    assert_ne!(second.workflow_id, first.workflow_id);
    let commands = run.commands(vec![child_started(2), fire(1)]);
    assert!(
        matches!(
            commands.as_slice(),
            [
                Command::CancelChildWorkflowExecution(CancelChildWorkflowExecution {
                    child_workflow_seq: 2,
                    ..
                }),
                Command::CompleteWorkflowExecution(_)
            ]
        ),
        "the losing child call was cancelled: {commands:?}"
    );
    // The same seed gives the same ids on replay.
    let (_, again) = TestRun::start_with::<Racer>(Vec::new(), Vec::new());
    let [Command::StartChildWorkflowExecution(replayed)] = again.as_slice() else {
        panic!("{again:?}")
    };
    assert_eq!(replayed.workflow_id, first.workflow_id);
}

/// Awaits one child's result from two futures at once.
#[derive(Default)]
pub struct TwoWaiters;

#[workflow]
impl TwoWaiters {
    #[run]
    async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u32> {
        let kid = ctx.child(Kid::run, 4).start().await?;
        let (a, b) = ctx.join(kid.result(), kid.result()).await;
        Ok(a? + b?)
    }
}

#[test]
fn a_child_s_result_reaches_every_future_awaiting_it() {
    let (mut run, _) = TestRun::start_with::<TwoWaiters>(Vec::new(), Vec::new());
    assert!(run.commands(vec![child_started(1)]).is_empty());
    let commands = run.commands(vec![child_completed(1, payload(8_u32))]);
    assert_eq!(completed_with::<u32>(&commands), 16);
}

#[test]
fn a_child_s_summary_goes_with_its_start_command_for_the_ui() {
    let (mut run, first) = TestRun::begin::<Parent>(
        vec![payload(3_u32)],
        Vec::new(),
        7,
        &Interceptors::default(),
    );
    let completion = run.run.activate(first);
    let Some(workflow_activation_completion::Status::Successful(success)) = completion.status
    else {
        panic!("a successful completion")
    };
    let [start] = success.commands.as_slice() else {
        panic!("one command: {:?}", success.commands)
    };
    assert!(matches!(
        start.variant,
        Some(Command::StartChildWorkflowExecution(_))
    ));
    let metadata = start.user_metadata.as_ref().expect("the UI's summary");
    assert_eq!(
        metadata
            .summary
            .as_ref()
            .map(decode::<String>)
            .and_then(Result::ok)
            .as_deref(),
        Some("Kid of the parent")
    );
    assert!(metadata.details.is_none());
}
