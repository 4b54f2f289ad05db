//! Local activities against a real server: markers that replay without running the activity
//! again, several in one workflow task, one that outlives the workflow task timeout, retries
//! past the local retry threshold on durable timers, cancellation, failures and panics, and
//! markers the Python SDK wrote.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use tests::{
    PATIENCE, PythonWorker, RunningWorker, client, eventually, history_events, task_queue,
};
use workflow_runtime::{
    CancellationReason, WorkflowStatus, prelude::*, protos::temporal::api::enums::v1::EventType,
    replay::Replayer,
};

/// The activities the tests run locally, counting their calls.
#[derive(Default)]
pub struct LocalWork {
    calls: AtomicU32,
    /// The cancellation each `hold_until_cancelled` attempt saw.
    cancelled_with: Mutex<Vec<Option<CancellationReason>>>,
    /// Opened by the test to let a cancelled `hold_until_cancelled` return.
    release: tokio::sync::Notify,
    stopped: AtomicU32,
}

#[activities]
impl LocalWork {
    #[activity]
    pub async fn double(&self, ctx: ActivityContext, n: u64) -> Result<u64, ActivityError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if !ctx.info().is_local {
            return Err(ActivityError::non_retryable(
                "NotLocal",
                "ran as a remote activity",
            ));
        }
        Ok(n * 2)
    }

    #[activity]
    pub async fn slow_double(
        &self,
        _ctx: ActivityContext,
        n: u64,
        millis: u64,
    ) -> Result<u64, ActivityError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(millis)).await;
        Ok(n * 2)
    }

    /// Fails its first two attempts.
    #[activity]
    pub async fn third_time(&self, ctx: ActivityContext, n: u64) -> Result<String, ActivityError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let attempt = ctx.info().attempt;
        if attempt < 3 {
            return Err(ActivityError::retryable(
                "NotYet",
                format!("attempt {attempt} fails"),
            ));
        }
        Ok(format!("{n} on attempt {attempt}"))
    }

    #[activity]
    pub async fn hold_until_cancelled(&self, ctx: ActivityContext) -> Result<(), ActivityError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        tokio::select! {
            _ = ctx.cancelled() => {}
            _ = tokio::time::sleep(PATIENCE) => {
                return Err(ActivityError::non_retryable("NeverCancelled", "no cancellation came"));
            }
        }
        self.cancelled_with
            .lock()
            .expect("not poisoned")
            .push(ctx.cancellation_reason());
        self.release.notified().await;
        self.stopped.fetch_add(1, Ordering::SeqCst);
        Err(ActivityError::cancelled())
    }

    #[activity]
    pub async fn decline(&self, _ctx: ActivityContext, cents: u64) -> Result<u64, ActivityError> {
        Err(ActivityError::non_retryable(
            "PaymentDeclined",
            format!("card declined for {cents} cents"),
        ))
    }

    #[activity]
    pub async fn explode(&self, _ctx: ActivityContext) -> Result<u64, ActivityError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        panic!("the local activity exploded")
    }
}

fn quick() -> LocalActivityOptions {
    LocalActivityOptions::start_to_close(Duration::from_secs(30))
}

/// Three local activities in one workflow task, a timer, and a fourth.
#[derive(Default)]
pub struct FourDoublings;

#[workflow]
impl FourDoublings {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, n: u64) -> WorkflowResult<u64> {
        let a = ctx
            .local_activity(LocalWork::double, n)
            .options(quick())
            .await?;
        let b = ctx
            .local_activity(LocalWork::double, a)
            .options(quick())
            .await?;
        let c = ctx
            .local_activity(LocalWork::double, b)
            .options(quick())
            .await?;
        ctx.sleep(Duration::from_millis(100)).await?;
        Ok(ctx
            .local_activity(LocalWork::double, c)
            .options(quick())
            .await?)
    }
}

#[tokio::test]
async fn local_activities_record_markers_that_replay_without_running_them_again() {
    let client = client().await;
    let queue = task_queue("local-markers");
    let work = Arc::new(LocalWork::default());
    // No cache: the task after the timer replays the first three from their markers.
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<FourDoublings>()
            .shared_activities(Arc::clone(&work))
            .max_cached_workflows(0),
    );
    let handle = client
        .start(FourDoublings::run, 3, StartOptions::new(&queue, &queue))
        .await
        .expect("start");
    assert_eq!(handle.result().await.expect("result"), 48);
    assert_eq!(
        work.calls.load(Ordering::SeqCst),
        4,
        "each ran once, though the second task replayed the first three"
    );
    let untyped = handle.untyped();
    assert_eq!(
        history_events(untyped, EventType::MarkerRecorded)
            .await
            .len(),
        4
    );
    assert!(
        history_events(untyped, EventType::ActivityTaskScheduled)
            .await
            .is_empty()
    );
    assert_eq!(
        history_events(untyped, EventType::WorkflowTaskCompleted)
            .await
            .len(),
        2,
        "the first three ran within the first workflow task, the fourth within the second"
    );
    worker.stop().await.expect("clean shutdown");

    let history = handle.fetch_history().await.expect("history");
    Replayer::new()
        .workflow::<FourDoublings>()
        .replay(&history)
        .await
        .expect("the markers replay");
    assert_eq!(work.calls.load(Ordering::SeqCst), 4, "the replay ran none");
}

/// One local activity that runs for `millis`.
#[derive(Default)]
pub struct SlowLocal;

#[workflow]
impl SlowLocal {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, millis: u64) -> WorkflowResult<u64> {
        Ok(ctx
            .local_activity(LocalWork::slow_double, (21, millis))
            .options(quick())
            .await?)
    }
}

#[tokio::test]
async fn a_local_activity_outlives_the_workflow_task_timeout() {
    let client = client().await;
    let queue = task_queue("local-slow");
    let work = Arc::new(LocalWork::default());
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<SlowLocal>()
            .shared_activities(Arc::clone(&work)),
    );
    let handle = client
        .start(
            SlowLocal::run,
            5_000,
            StartOptions::new(&queue, &queue).task_timeout(Duration::from_secs(2)),
        )
        .await
        .expect("start");
    assert_eq!(handle.result().await.expect("result"), 42);
    let untyped = handle.untyped();
    assert!(
        history_events(untyped, EventType::WorkflowTaskTimedOut)
            .await
            .is_empty(),
        "core kept the task alive while the activity ran 5 s past a 2 s task timeout"
    );
    let completed = history_events(untyped, EventType::WorkflowTaskCompleted)
        .await
        .len();
    assert!(
        completed >= 3,
        "core heartbeat the task: {completed} tasks completed"
    );
    assert_eq!(work.calls.load(Ordering::SeqCst), 1);
    worker.stop().await.expect("clean shutdown");
}

/// `third_time`, retried every second, with the local retry threshold given.
#[derive(Default)]
pub struct RetriedLocal;

#[workflow]
impl RetriedLocal {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, threshold_ms: u64) -> WorkflowResult<String> {
        let options = quick()
            .retry(
                RetryPolicy::exponential()
                    .initial_interval(Duration::from_secs(1))
                    .backoff_coefficient(1.0)
                    .maximum_attempts(5),
            )
            .local_retry_threshold(Duration::from_millis(threshold_ms));
        Ok(ctx
            .local_activity(LocalWork::third_time, 7)
            .options(options)
            .await?)
    }
}

#[tokio::test]
async fn retries_past_the_local_retry_threshold_wait_on_durable_timers() {
    let client = client().await;
    let queue = task_queue("local-retry");
    let work = Arc::new(LocalWork::default());
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<RetriedLocal>()
            .shared_activities(Arc::clone(&work)),
    );
    let options = |id: &str| StartOptions::new(format!("{queue}-{id}"), &queue);

    // Backoffs of 1 s under a 10 s threshold: core retries within the task, no timer.
    let within = client
        .start(RetriedLocal::run, 10_000, options("within"))
        .await
        .expect("start");
    assert_eq!(within.result().await.expect("result"), "7 on attempt 3");
    let timers = history_events(within.untyped(), EventType::TimerStarted).await;
    assert!(timers.is_empty(), "{timers:?}");

    // Backoffs of 1 s past a 500 ms threshold: each waits on a timer in the history.
    let past = client
        .start(RetriedLocal::run, 500, options("past"))
        .await
        .expect("start");
    assert_eq!(past.result().await.expect("result"), "7 on attempt 3");
    let timers = history_events(past.untyped(), EventType::TimerFired).await;
    assert_eq!(timers.len(), 2, "one timer per backoff");
    assert_eq!(work.calls.load(Ordering::SeqCst), 6);
    worker.stop().await.expect("clean shutdown");

    let history = past.fetch_history().await.expect("history");
    Replayer::new()
        .workflow::<RetriedLocal>()
        .replay(&history)
        .await
        .expect("the retries and their timers replay");
}

/// A local activity that holds until cancelled, with the cancellation type given; the run
/// returns how the activity ended. With `Abandon` it shows the outcome to a query and waits,
/// shielded, for `finish`, so the test can look at the activity while the run goes on.
#[derive(Default)]
pub struct CancelledLocal {
    outcome: Option<String>,
    finish: bool,
}

#[workflow]
impl CancelledLocal {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, cancellation: String) -> WorkflowResult<String> {
        let abandon = cancellation == "abandon";
        let cancellation = match cancellation.as_str() {
            "wait" => ActivityCancellation::WaitCancellationCompleted,
            "abandon" => ActivityCancellation::Abandon,
            _ => ActivityCancellation::TryCancel,
        };
        let outcome = ctx
            .local_activity(LocalWork::hold_until_cancelled, ())
            .options(quick().cancellation(cancellation))
            .await;
        let outcome = match outcome {
            Ok(()) => "completed".to_owned(),
            Err(failed) if failed.is_cancelled() => "cancelled".to_owned(),
            Err(failed) => format!("failed: {failed}"),
        };
        ctx.state_mut(|s| s.outcome = Some(outcome.clone()));
        if abandon {
            ctx.non_cancellable(ctx.wait_condition(|s| s.finish))
                .await?;
        }
        Ok(outcome)
    }

    #[query]
    pub fn outcome(&self) -> Option<String> {
        self.outcome.clone()
    }

    #[signal]
    pub fn finish(&mut self) {
        self.finish = true;
    }
}

/// Waits until `counter` is exactly `n`.
async fn count_reaches(counter: &AtomicU32, n: u32, awaited: &str) {
    eventually(PATIENCE, awaited, || async {
        match counter.load(Ordering::SeqCst) {
            count if count == n => Ok(()),
            count => Err(count),
        }
    })
    .await;
}

#[tokio::test]
async fn a_cancelled_local_activity_ends_as_its_cancellation_type_says() {
    let client = client().await;
    let queue = task_queue("local-cancel");
    let work = Arc::new(LocalWork::default());
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<CancelledLocal>()
            .shared_activities(Arc::clone(&work)),
    );
    let options = |id: &str| StartOptions::new(format!("{queue}-{id}"), &queue);
    let cancelled_attempts = |n: usize| {
        let work = Arc::clone(&work);
        move || {
            let work = Arc::clone(&work);
            async move {
                let seen = work.cancelled_with.lock().expect("not poisoned").clone();
                if seen.len() >= n { Ok(seen) } else { Err(seen) }
            }
        }
    };

    // TryCancel: the run goes on at once while the activity is still stopping.
    let trying = client
        .start(CancelledLocal::run, "try".into(), options("try"))
        .await
        .expect("start");
    count_reaches(&work.calls, 1, "the activity to start").await;
    trying.cancel().await.expect("cancel");
    assert_eq!(trying.result().await.expect("result"), "cancelled");
    let seen = eventually(
        PATIENCE,
        "the activity to hear of it",
        cancelled_attempts(1),
    )
    .await;
    assert_eq!(seen, [Some(CancellationReason::Requested)]);
    assert_eq!(
        work.stopped.load(Ordering::SeqCst),
        0,
        "the run did not wait"
    );
    work.release.notify_one();
    count_reaches(&work.stopped, 1, "the first activity to stop").await;

    // WaitCancellationCompleted: the run waits until the activity stops.
    let waiting = client
        .start(CancelledLocal::run, "wait".into(), options("wait"))
        .await
        .expect("start");
    count_reaches(&work.calls, 2, "the second activity to start").await;
    waiting.cancel().await.expect("cancel");
    eventually(
        PATIENCE,
        "the second activity to hear of it",
        cancelled_attempts(2),
    )
    .await;
    let status = waiting.describe().await.expect("describe").execution.status;
    assert_eq!(
        status,
        WorkflowStatus::Running,
        "the run waits for the activity"
    );
    work.release.notify_one();
    assert_eq!(waiting.result().await.expect("result"), "cancelled");
    assert_eq!(work.stopped.load(Ordering::SeqCst), 2);

    // Abandon: the run goes on at once and the activity is never told.
    let abandoning = client
        .start(CancelledLocal::run, "abandon".into(), options("abandon"))
        .await
        .expect("start");
    count_reaches(&work.calls, 3, "the third activity to start").await;
    abandoning.cancel().await.expect("cancel");
    eventually(PATIENCE, "the run to see the cancellation", || async {
        match abandoning.query(CancelledLocal::outcome, ()).await {
            Ok(Some(outcome)) => Ok(outcome),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    assert_eq!(
        work.cancelled_with.lock().expect("not poisoned").len(),
        2,
        "the run saw the cancellation, and the abandoned activity heard nothing of it"
    );
    abandoning
        .signal(CancelledLocal::finish, ())
        .await
        .expect("signal");
    assert_eq!(abandoning.result().await.expect("result"), "cancelled");
    // Core stops the activity once its run is over, or the worker's shutdown does.
    work.release.notify_one();
    worker.stop().await.expect("clean shutdown");
}

/// A slow local activity and a quick one at once: on a worker with one local activity slot,
/// the quick one waits for the slot past its 1 s schedule-to-start timeout.
#[derive(Default)]
pub struct OneSlot;

#[workflow]
impl OneSlot {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<String> {
        let slow = ctx
            .local_activity(LocalWork::slow_double, (1, 3_000))
            .options(quick());
        let waiting = ctx
            .local_activity(LocalWork::double, 2)
            .options(quick().schedule_to_start_timeout(Duration::from_secs(1)));
        let (slow, waiting) = ctx.join(slow, waiting).await;
        Ok(format!(
            "{:?} {:?}",
            slow.ok(),
            waiting.err().and_then(|failed| failed.timeout_kind())
        ))
    }
}

#[tokio::test]
async fn a_local_activity_that_waits_for_a_slot_past_its_schedule_to_start_timeout_fails() {
    let client = client().await;
    let queue = task_queue("local-slot");
    let work = Arc::new(LocalWork::default());
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<OneSlot>()
            .shared_activities(Arc::clone(&work))
            .max_concurrent_local_activities(1),
    );
    let result = client
        .execute(OneSlot::run, (), StartOptions::new(&queue, &queue))
        .await
        .expect("result");
    assert_eq!(result, "Some(2) Some(ScheduleToStart)");
    assert_eq!(work.calls.load(Ordering::SeqCst), 1, "the second never ran");
    worker.stop().await.expect("clean shutdown");
}

/// A local activity that fails (`decline`), panics (`explode`), or that the worker does not
/// have (`double`, on a worker without activities).
#[derive(Default)]
pub struct FailingLocal;

#[workflow]
impl FailingLocal {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, activity: String) -> WorkflowResult<u64> {
        let options = quick().retry(RetryPolicy::exponential().maximum_attempts(2));
        Ok(match activity.as_str() {
            "explode" => {
                ctx.local_activity(LocalWork::explode, ())
                    .options(options)
                    .await?
            }
            "decline" => {
                ctx.local_activity(LocalWork::decline, 4200)
                    .options(options)
                    .await?
            }
            _ => {
                ctx.local_activity(LocalWork::double, 1)
                    .options(options)
                    .await?
            }
        })
    }
}

#[tokio::test]
async fn a_local_activity_error_or_panic_fails_the_workflow_as_an_activity_s_would() {
    let client = client().await;
    let queue = task_queue("local-failures");
    let work = Arc::new(LocalWork::default());
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<FailingLocal>()
            .shared_activities(Arc::clone(&work)),
    );
    let options = |id: &str| StartOptions::new(format!("{queue}-{id}"), &queue);

    let error = client
        .execute(FailingLocal::run, "decline".into(), options("declined"))
        .await
        .expect_err("the workflow fails");
    let ClientError::Failed(failure) = error else {
        panic!("expected a workflow failure, got {error:?}");
    };
    assert_eq!(failure.error_type(), Some("PaymentDeclined"));
    assert_eq!(failure.message(), "card declined for 4200 cents");
    assert!(failure.is_non_retryable());

    let error = client
        .execute(FailingLocal::run, "explode".into(), options("panicked"))
        .await
        .expect_err("the workflow fails");
    let ClientError::Failed(failure) = error else {
        panic!("expected a workflow failure, got {error:?}");
    };
    let message = failure.message();
    assert!(
        message.contains("the local activity exploded") && message.contains("local_activities.rs:"),
        "the panic and its place: {message}"
    );
    assert_eq!(
        work.calls.load(Ordering::SeqCst),
        2,
        "retried once, as the policy says"
    );
    worker.stop().await.expect("clean shutdown");

    // A worker without activities runs its workflows' local activities all the same, and
    // fails one it does not have, saying what it has.
    let bare_queue = task_queue("local-unregistered");
    let bare = RunningWorker::start(Worker::new(&client, &bare_queue).workflow::<FailingLocal>());
    let error = client
        .execute(
            FailingLocal::run,
            "double".into(),
            StartOptions::new(&bare_queue, &bare_queue),
        )
        .await
        .expect_err("the workflow fails");
    let ClientError::Failed(failure) = error else {
        panic!("expected a workflow failure, got {error:?}");
    };
    let message = failure.message();
    assert!(
        message.contains("unknown activity type `double`: this worker registers none"),
        "the unknown activity and the registered ones: {message}"
    );
    bare.stop().await.expect("clean shutdown");
}

/// The Rust twin of `local_activity_interop.py`'s `LocalSteps`: a local activity, a remote
/// one, and a local one that needs a backoff timer before its third attempt.
#[derive(Default)]
pub struct LocalSteps;

#[workflow(name = "LocalSteps")]
impl LocalSteps {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, n: u64) -> WorkflowResult<String> {
        let a = ctx
            .local_activity(LocalWork::double, n)
            .options(quick())
            .await?;
        let b = ctx
            .activity(LocalWork::slow_double, (a, 0))
            .options(ActivityOptions::start_to_close(Duration::from_secs(30)))
            .await?;
        let retries = RetryPolicy::exponential()
            .initial_interval(Duration::from_secs(1))
            .backoff_coefficient(1.0)
            .maximum_attempts(5);
        let c = ctx
            .local_activity(LocalWork::third_time, b)
            .options(
                quick()
                    .retry(retries)
                    .local_retry_threshold(Duration::from_millis(500)),
            )
            .await?;
        Ok(c)
    }
}

#[tokio::test]
async fn local_activity_markers_the_python_sdk_wrote_replay_on_the_rust_workflow() {
    let client = client().await;
    let queue = task_queue("local-python");
    let python = PythonWorker::start("local_activity_interop.py", &queue).await;
    let handle = client
        .start(LocalSteps::run, 5, StartOptions::new(&queue, &queue))
        .await
        .expect("start");
    assert_eq!(handle.result().await.expect("result"), "20 on attempt 3");
    drop(python);
    let untyped = handle.untyped();
    assert!(
        history_events(untyped, EventType::MarkerRecorded)
            .await
            .len()
            >= 2
    );
    assert_eq!(
        history_events(untyped, EventType::TimerFired).await.len(),
        2
    );
    let history = handle.fetch_history().await.expect("history");
    Replayer::new()
        .workflow::<LocalSteps>()
        .replay(&history)
        .await
        .expect("the Python SDK's local activity markers replay on the Rust code");
}
