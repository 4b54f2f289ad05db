//! The workflow's cancellation: what it cancels, what it leaves alone, and how the run ends.

use temporalio_common::protos::{
    coresdk::workflow_commands::{ActivityCancellationType, CancelTimer, RequestCancelActivity},
    temporal::api::failure::v1::ActivityFailureInfo,
};

use super::*;
use crate::ActivityCancellation;

/// Charges, then waits a day; on cancellation refunds in a non-cancellable scope and ends as
/// cancelled, or completes normally when asked to ignore it.
#[derive(Default)]
pub struct Billing;

#[workflow]
impl Billing {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, mode: String) -> WorkflowResult<String> {
        let charged = ctx
            .activity(charge, 100)
            .options(charge_options().cancellation(ActivityCancellation::WaitCancellationCompleted))
            .await;
        let txn = match charged {
            Ok(txn) => txn,
            Err(failed) if failed.is_cancelled() && mode == "swallow" => {
                return Ok("charge cancelled".to_owned());
            }
            Err(failed) => return Err(failed.into()),
        };
        match ctx.sleep(Duration::from_secs(86_400)).await {
            Ok(()) => Ok(txn),
            Err(cancelled) => match mode.as_str() {
                "ignore" => Ok(format!("kept {txn}")),
                "fail" => Err(WorkflowError::application("Broken", "not a cancellation")),
                _ => {
                    let refund = ctx
                        .non_cancellable(ctx.activity(charge, 1).options(charge_options()))
                        .await?;
                    // Started outside the shield after the request: fails without a command.
                    let late = ctx.activity(charge, 2).options(charge_options()).await;
                    assert!(late.is_err_and(|failed| failed.is_cancelled()));
                    ctx.non_cancellable(ctx.sleep(Duration::from_secs(5)))
                        .await?;
                    assert!(ctx.is_cancel_requested());
                    assert_eq!(ctx.cancelled().await.reason(), cancelled.reason());
                    ctx.state(|_| ());
                    let _ = refund;
                    Err(cancelled.into())
                }
            },
        }
    }
}

fn cancel(reason: &str) -> Job {
    Job::CancelWorkflow(CancelWorkflow {
        reason: reason.to_owned(),
    })
}

fn activity_cancelled(seq: u32) -> Job {
    resolve(
        seq,
        activity_resolution::Status::Cancelled(activity_result::Cancellation {
            failure: Some(Failure {
                message: "Activity cancelled".to_owned(),
                failure_info: Some(FailureInfo::ActivityFailureInfo(
                    ActivityFailureInfo::default(),
                )),
                cause: Some(Box::new(Failure {
                    message: "cancelled".to_owned(),
                    failure_info: Some(FailureInfo::CanceledFailureInfo(Default::default())),
                    ..Default::default()
                })),
                ..Default::default()
            }),
        }),
    )
}

#[test]
fn a_cancellation_cancels_the_pending_timer_and_the_run_ends_as_cancelled_after_cleanup() {
    let (mut run, commands) = TestRun::start::<Billing>("refund");
    assert_eq!(
        scheduled_activity(&commands[0]).cancellation_type,
        ActivityCancellationType::WaitCancellationCompleted as i32
    );
    let commands = run.commands(vec![completed(1, payload("txn-100"))]);
    assert!(matches!(commands.as_slice(), [Command::StartTimer(t)] if t.seq == 1));

    let commands = run.commands(vec![cancel("operator")]);
    let [
        Command::CancelTimer(CancelTimer { seq: 1 }),
        Command::ScheduleActivity(refund),
    ] = commands.as_slice()
    else {
        panic!("expected the timer cancelled and the refund scheduled, got {commands:?}")
    };
    assert_eq!(decode::<u64>(&refund.arguments[0]).ok(), Some(1));
    // A cancelled timer that fires anyway changes nothing.
    assert!(run.commands(vec![fire(1)]).is_empty());

    let commands = run.commands(vec![completed(2, payload("txn-1"))]);
    assert!(
        matches!(commands.as_slice(), [Command::StartTimer(t)] if t.seq == 2),
        "the late activity sent no command, the shielded timer started: {commands:?}"
    );
    let commands = run.commands(vec![fire(2)]);
    assert!(
        matches!(commands.as_slice(), [Command::CancelWorkflowExecution(_)]),
        "{commands:?}"
    );
}

#[test]
fn a_run_that_ignores_the_cancellation_completes() {
    let (mut run, _) = TestRun::start::<Billing>("ignore");
    run.commands(vec![completed(1, payload("txn-100"))]);
    let commands = run.commands(vec![cancel("operator")]);
    assert!(
        matches!(commands.first(), Some(Command::CancelTimer(_))),
        "{commands:?}"
    );
    assert_eq!(completed_with::<String>(&commands), "kept txn-100");
}

#[test]
fn an_error_that_is_not_a_cancellation_fails_the_run_even_after_a_request() {
    let (mut run, _) = TestRun::start::<Billing>("fail");
    run.commands(vec![completed(1, payload("txn-100"))]);
    let commands = run.commands(vec![cancel("operator")]);
    assert_eq!(application_type(failed_with(&commands)), "Broken");
}

#[test]
fn a_cancellation_asks_to_cancel_the_pending_activity_and_its_outcome_decides() {
    let (mut run, _) = TestRun::start::<Billing>("refund");
    let commands = run.commands(vec![cancel("operator")]);
    assert!(
        matches!(
            commands.as_slice(),
            [Command::RequestCancelActivity(RequestCancelActivity {
                seq: 1
            })]
        ),
        "{commands:?}"
    );
    // A second request sends nothing more.
    assert!(run.commands(vec![cancel("again")]).is_empty());
    let commands = run.commands(vec![activity_cancelled(1)]);
    assert!(
        matches!(commands.as_slice(), [Command::CancelWorkflowExecution(_)]),
        "an activity failure caused by the cancellation ends the run as cancelled: {commands:?}"
    );

    let (mut run, _) = TestRun::start::<Billing>("swallow");
    run.commands(vec![cancel("operator")]);
    let commands = run.commands(vec![activity_cancelled(1)]);
    assert_eq!(completed_with::<String>(&commands), "charge cancelled");
}

/// Starts a timer and an activity, cancels both once a signal says so, and reports what
/// their awaits returned.
#[derive(Default)]
pub struct Canceller {
    go: bool,
}

#[workflow]
impl Canceller {
    #[run]
    async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<String> {
        let mut timer = ctx.sleep(Duration::from_secs(60));
        let mut activity = ctx
            .activity(charge, 5)
            .options(charge_options())
            .into_future();
        let go = ctx.wait_condition(|s| s.go);
        let (_, _, go) = ctx
            .join3(
                ctx.select(&mut timer, std::future::ready(())),
                ctx.select(&mut activity, std::future::ready(())),
                go,
            )
            .await;
        go?;
        timer.cancel();
        activity.cancel();
        let timer_outcome = (&mut timer).await;
        let activity_outcome = activity.await;
        Ok(format!(
            "timer cancelled: {}, activity cancelled: {}",
            timer_outcome.is_err(),
            activity_outcome.is_err_and(|f| f.is_cancelled())
        ))
    }

    #[signal]
    fn go(&mut self) {
        self.go = true;
    }
}

#[test]
fn a_timer_and_an_activity_can_be_cancelled_explicitly() {
    let (mut run, commands) = TestRun::start_with::<Canceller>(Vec::new(), Vec::new());
    assert!(
        matches!(
            commands.as_slice(),
            [Command::StartTimer(_), Command::ScheduleActivity(_)]
        ),
        "{commands:?}"
    );
    let commands = run.commands(vec![signal("go", Vec::new())]);
    assert!(
        matches!(
            commands.as_slice(),
            [
                Command::CancelTimer(CancelTimer { seq: 1 }),
                Command::RequestCancelActivity(RequestCancelActivity { seq: 1 })
            ]
        ),
        "{commands:?}"
    );
    let commands = run.commands(vec![activity_cancelled(1)]);
    assert_eq!(
        completed_with::<String>(&commands),
        "timer cancelled: true, activity cancelled: true"
    );
}

/// Waits for `go` (a cancellation ends that wait), then for its handlers, one of which works
/// in a non-cancellable scope.
#[derive(Default)]
pub struct Patient {
    go: bool,
    done: bool,
}

#[workflow]
impl Patient {
    #[run]
    async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<bool> {
        let waited = ctx.wait_condition(|s| s.go).await;
        assert!(waited.is_err(), "the cancellation ends the wait");
        ctx.all_handlers_finished().await;
        Ok(ctx.state(|s| s.done))
    }

    #[signal]
    async fn work(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        ctx.non_cancellable(ctx.sleep(Duration::from_secs(10)))
            .await?;
        ctx.state_mut(|s| s.done = true);
        Ok(())
    }
}

#[test]
fn waiting_for_the_handlers_is_not_interrupted_by_a_cancellation() {
    let (mut run, _) = TestRun::start_with::<Patient>(Vec::new(), Vec::new());
    let commands = run.commands(vec![signal("work", Vec::new())]);
    assert!(
        matches!(commands.as_slice(), [Command::StartTimer(_)]),
        "{commands:?}"
    );
    let commands = run.commands(vec![cancel("operator")]);
    assert!(
        commands.is_empty(),
        "the shielded timer runs on and the run waits for its handler: {commands:?}"
    );
    let commands = run.commands(vec![fire(1)]);
    assert!(completed_with::<bool>(&commands));
}
