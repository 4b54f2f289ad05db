//! Cancellation scopes against a real server: one scope's cancel stops its timer, activity
//! and child workflow while a shield inside it and the rest of the workflow go on.

use std::time::Duration;

use tests::{client, history_events, task_queue};
use workflow_runtime::{prelude::*, protos::temporal::api::enums::v1::EventType};

/// Heartbeats until its cancellation arrives.
#[activity]
pub async fn heartbeat_until_cancelled(ctx: ActivityContext) -> Result<(), ActivityError> {
    loop {
        ctx.heartbeat(&"waiting")?;
        tokio::select! {
            _ = ctx.cancelled() => return Err(ActivityError::cancelled()),
            _ = tokio::time::sleep(Duration::from_millis(200)) => {}
        }
    }
}

#[activity]
pub async fn note(_ctx: ActivityContext, text: String) -> Result<String, ActivityError> {
    Ok(text)
}

/// A child that sleeps an hour unless cancelled.
#[derive(Default)]
pub struct Napper;

#[workflow]
impl Napper {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        ctx.sleep(Duration::from_secs(3_600)).await?;
        Ok(())
    }
}

/// Starts a timer, an activity and a child in one scope, and a short timer in a shield inside
/// it; cancels the scope when the `give_up` signal comes, then goes on.
#[derive(Default)]
pub struct GivesUp {
    give_up: bool,
}

#[workflow]
impl GivesUp {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<String> {
        let errand = ctx.cancellation_scope();
        let mut work = std::pin::pin!(errand.run(async {
            let shield = ctx.non_cancellable_scope();
            let activity = ActivityOptions::start_to_close(Duration::from_secs(60))
                .heartbeat_timeout(Duration::from_secs(5))
                .cancellation(ActivityCancellation::WaitCancellationCompleted);
            let ((timer, activity, child), shielded) = ctx
                .join(
                    ctx.join3(
                        ctx.sleep(Duration::from_secs(3_600)),
                        ctx.activity(heartbeat_until_cancelled, ())
                            .options(activity),
                        ctx.child(Napper::run, ()),
                    ),
                    shield.run(ctx.sleep(Duration::from_secs(2))),
                )
                .await;
            [
                timer.is_err(),
                activity.is_err_and(|failed| failed.is_cancelled()),
                child.is_err_and(|failed| failed.is_cancelled()),
                shielded.is_ok(),
            ]
        }));
        let signalled = ctx.wait_condition(|s| s.give_up);
        if let Either::Left(_) = ctx.select(work.as_mut(), signalled).await {
            return Ok("finished first".to_owned());
        }
        errand.cancel();
        let outcome = work.await;
        let after = ctx
            .activity(note, "went on".to_owned())
            .options(ActivityOptions::start_to_close(Duration::from_secs(10)))
            .await?;
        Ok(format!("{outcome:?} {after}"))
    }

    #[signal]
    pub fn give_up(&mut self) {
        self.give_up = true;
    }
}

#[tokio::test]
async fn cancelling_a_scope_stops_its_timer_activity_and_child_and_the_workflow_goes_on() {
    let client = client().await;
    let queue = task_queue("scopes");
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<GivesUp>()
            .workflow::<Napper>()
            .activity(heartbeat_until_cancelled)
            .activity(note),
    );
    let handle = client
        .start(GivesUp::run, (), StartOptions::new(&queue, &queue))
        .await
        .expect("start");
    // Once the activity heartbeats and the shield's 2 s timer fired, give up.
    tests::eventually(tests::PATIENCE, "the shield's timer to fire", || async {
        match history_events(handle.untyped(), EventType::TimerFired)
            .await
            .len()
        {
            0 => Err(0),
            fired => Ok(fired),
        }
    })
    .await;
    handle.signal(GivesUp::give_up, ()).await.expect("signal");
    assert_eq!(
        handle.result().await.expect("the workflow completes"),
        "[true, true, true, true] went on"
    );
    let untyped = handle.untyped();
    for (kind, what) in [
        (EventType::TimerCanceled, "the scope's timer"),
        (EventType::ActivityTaskCanceled, "the scope's activity"),
        (
            EventType::RequestCancelExternalWorkflowExecutionInitiated,
            "the scope's child",
        ),
    ] {
        assert_eq!(
            history_events(untyped, kind).await.len(),
            1,
            "{what} cancelled once"
        );
    }
    assert_eq!(
        history_events(untyped, EventType::ActivityTaskCompleted)
            .await
            .len(),
        1,
        "the activity after the scope ran"
    );
    worker.stop().await.expect("clean shutdown");
}
