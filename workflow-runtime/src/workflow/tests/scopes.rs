//! Cancellation scopes and `select_all`: what a scope's cancellation reaches, what a shield
//! keeps out, and the order of the commands.

use std::pin::pin;

use super::*;

/// Runs one of three shapes, by `mode`.
#[derive(Default)]
pub struct Scoped;

#[workflow]
impl Scoped {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, mode: String) -> WorkflowResult<String> {
        match mode.as_str() {
            "nested" => Self::nested(&ctx).await,
            "shield" => Self::shield(&ctx).await,
            "wait" => Self::wait(&ctx).await,
            _ => Self::first(&ctx).await,
        }
    }
}

impl Scoped {
    /// An outer scope holds an inner scope's timer, its own activity and a shield's timer;
    /// a root timer cancels the outer scope.
    async fn nested(ctx: &WorkflowContext<Self>) -> WorkflowResult<String> {
        let outer = ctx.cancellation_scope();
        let mut work = pin!(outer.run(async {
            let inner = ctx.cancellation_scope();
            let shield = ctx.non_cancellable_scope();
            let (timer, activity, shielded) = ctx
                .join3(
                    inner.run(ctx.sleep(Duration::from_secs(60))),
                    ctx.activity(charge, 1).options(charge_options()),
                    shield.run(ctx.sleep(Duration::from_secs(30))),
                )
                .await;
            (
                inner.is_cancelled(),
                timer.is_err(),
                activity.is_err_and(|failed| failed.is_cancelled()),
                shielded.is_ok(),
            )
        }));
        let deadline = ctx.sleep(Duration::from_secs(10));
        if let Either::Left(_) = ctx.select(work.as_mut(), deadline).await {
            return Ok("finished before the deadline".to_owned());
        }
        outer.cancel();
        let (inner_cancelled, timer, activity, shielded) = work.await;
        // Started in the cancelled scope: fails at once, without a command.
        let late = outer.run(ctx.sleep(Duration::from_secs(1))).await;
        Ok(format!(
            "inner cancelled {inner_cancelled}, timer {timer}, activity {activity}, shield fired {shielded}, late {}, workflow cancelled {}",
            late.is_err(),
            ctx.is_cancel_requested()
        ))
    }

    /// The workflow's cancellation reaches a root timer but not a shield's; the shield's own
    /// cancel does.
    async fn shield(ctx: &WorkflowContext<Self>) -> WorkflowResult<String> {
        let shield = ctx.non_cancellable_scope();
        let mut guarded = pin!(shield.run(ctx.sleep(Duration::from_secs(60))));
        let root_timer = ctx.sleep(Duration::from_secs(5));
        let cancelled = match ctx.select(guarded.as_mut(), root_timer).await {
            Either::Left(_) => return Ok("the shield's timer fired".to_owned()),
            Either::Right(Ok(())) => return Ok("the root timer fired".to_owned()),
            Either::Right(Err(cancelled)) => cancelled,
        };
        shield.cancel();
        let shielded = guarded.await;
        Ok(format!(
            "{} / shield cancelled {}",
            cancelled.reason(),
            shielded.is_err()
        ))
    }

    /// A wait condition that never holds, in a scope a root timer cancels.
    async fn wait(ctx: &WorkflowContext<Self>) -> WorkflowResult<String> {
        let scope = ctx.cancellation_scope();
        let mut waiting = pin!(scope.run(ctx.wait_condition(|_| false)));
        if let Either::Left(_) = ctx
            .select(waiting.as_mut(), ctx.sleep(Duration::from_secs(5)))
            .await
        {
            return Ok("the condition held".to_owned());
        }
        scope.cancel();
        Ok(format!("wait ended: {}", waiting.await.is_err()))
    }

    /// The first of three timers.
    async fn first(ctx: &WorkflowContext<Self>) -> WorkflowResult<String> {
        let timers = [30, 20, 40].map(|secs| ctx.sleep(Duration::from_secs(secs)));
        let Some((index, fired)) = ctx.select_all(timers).await else {
            return Ok("nothing to wait for".to_owned());
        };
        fired?;
        let none = ctx.select_all(Vec::<crate::Timer>::new()).await.is_none();
        Ok(format!("timer {index} first, empty gives none: {none}"))
    }
}

fn scoped(mode: &str) -> (TestRun, Vec<Command>) {
    TestRun::start::<Scoped>(mode)
}

fn timer_seqs(commands: &[Command]) -> Vec<(&'static str, u32)> {
    commands
        .iter()
        .filter_map(|command| match command {
            Command::StartTimer(start) => Some(("start", start.seq)),
            Command::CancelTimer(cancel) => Some(("cancel", cancel.seq)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_scope_s_cancel_reaches_its_operations_and_inner_scopes_but_not_a_shield_or_the_root() {
    let (mut run, commands) = scoped("nested");
    assert_eq!(
        timer_seqs(&commands),
        [("start", 1), ("start", 2), ("start", 3)],
        "{commands:?}"
    );
    assert_eq!(scheduled_activity(&commands[1]).seq, 1);

    // The root timer fires: the outer scope is cancelled.
    let commands = run.commands(vec![fire(3)]);
    assert!(
        matches!(
            commands.as_slice(),
            [Command::CancelTimer(timer), Command::RequestCancelActivity(activity)]
                if timer.seq == 1 && activity.seq == 1
        ),
        "the inner scope's timer and the outer scope's activity, not the shield's timer: {commands:?}"
    );

    let commands = run.commands(vec![activity_cancelled(1), fire(2)]);
    assert_eq!(
        completed_with::<String>(&commands),
        "inner cancelled true, timer true, activity true, shield fired true, late true, workflow cancelled false"
    );
    assert_eq!(
        commands.len(),
        1,
        "the late timer sent nothing: {commands:?}"
    );
}

#[test]
fn the_workflow_s_cancellation_stops_at_a_shield_whose_own_cancel_reaches_it() {
    let (mut run, commands) = scoped("shield");
    assert_eq!(timer_seqs(&commands), [("start", 1), ("start", 2)]);
    let commands = run.commands(vec![Job::CancelWorkflow(CancelWorkflow {
        reason: "operator".to_owned(),
    })]);
    assert_eq!(
        timer_seqs(&commands),
        [("cancel", 2), ("cancel", 1)],
        "the root timer with the workflow's cancellation, the shield's with its own: {commands:?}"
    );
    assert_eq!(
        completed_with::<String>(&commands),
        "operator / shield cancelled true"
    );
}

#[test]
fn a_scope_s_cancel_ends_a_wait_inside_it() {
    let (mut run, _) = scoped("wait");
    let commands = run.commands(vec![fire(1)]);
    assert_eq!(completed_with::<String>(&commands), "wait ended: true");
}

#[test]
fn select_all_returns_the_first_ready_by_index_and_cancels_the_rest_in_order() {
    let (mut run, commands) = scoped("first");
    assert_eq!(
        timer_seqs(&commands),
        [("start", 1), ("start", 2), ("start", 3)]
    );
    // Two fire in one activation: the earlier in the list wins.
    let commands = run.commands(vec![fire(3), fire(2)]);
    assert_eq!(timer_seqs(&commands), [("cancel", 1)], "{commands:?}");
    assert_eq!(
        completed_with::<String>(&commands),
        "timer 1 first, empty gives none: true"
    );
}

fn activity_cancelled(seq: u32) -> Job {
    resolve(
        seq,
        activity_resolution::Status::Cancelled(activity_result::Cancellation {
            failure: Some(Failure {
                message: "cancelled".to_owned(),
                failure_info: Some(FailureInfo::CanceledFailureInfo(Default::default())),
                ..Default::default()
            }),
        }),
    )
}
