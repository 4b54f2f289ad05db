//! Activities: retries, non-retryable errors, parallel execution.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use tests::{PATIENCE, RunningWorker, client, eventually, history_events, task_queue};
use workflow_runtime::{
    CancellationReason, ClientError, StartOptions, Worker,
    protos::temporal::api::enums::v1::EventType,
};

use crate::workflows::*;

#[tokio::test]
async fn activity_that_fails_twice_succeeds_on_attempt_three() {
    let client = client().await;
    let queue = task_queue("flaky");
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<FlakyWorkflow>()
            .activity(flaky),
    );
    let result = client
        .execute(
            FlakyWorkflow::run,
            "charge".into(),
            StartOptions::new(&queue, &queue),
        )
        .await
        .expect("workflow result");
    assert_eq!(result, "charge succeeded on attempt 3");
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn non_retryable_error_fails_the_workflow_with_its_type_and_message() {
    let client = client().await;
    let queue = task_queue("declined");
    let payments = declining();
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<DeclinedWorkflow>()
            .shared_activities(Arc::clone(&payments)),
    );
    let error = client
        .execute(
            DeclinedWorkflow::run,
            4200,
            StartOptions::new(&queue, &queue),
        )
        .await
        .expect_err("the workflow fails");
    let ClientError::Failed(failure) = error else {
        panic!("expected a workflow failure, got {error:?}");
    };
    assert_eq!(failure.error_type(), Some("PaymentDeclined"));
    assert_eq!(failure.message(), "card declined for 4200 cents");
    assert!(failure.is_non_retryable());
    assert_eq!(
        payments.calls.load(Ordering::SeqCst),
        1,
        "a non-retryable error is not retried"
    );
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn activities_run_in_parallel_and_select_cancels_the_loser() {
    let client = client().await;
    let queue = task_queue("parallel");
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<ParallelWorkflow>()
            .activities(Rendezvous {
                barrier: tokio::sync::Barrier::new(2),
            })
            .activity(echo),
    );
    let handle = client
        .start(ParallelWorkflow::run, (), StartOptions::new(&queue, &queue))
        .await
        .expect("start");
    let result = handle.result().await.expect("workflow result");
    assert_eq!(result, vec!["left met", "right met", "quick"]);
    let cancelled_timers = history_events(handle.untyped(), EventType::TimerCanceled).await;
    assert_eq!(cancelled_timers.len(), 1, "the losing timer is cancelled");
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn panicking_activity_is_retried_and_the_worker_keeps_running() {
    let client = client().await;
    let queue = task_queue("activity-panic");
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<PanicRecovery>()
            .activity(panics_once),
    );
    let result = client
        .execute(PanicRecovery::run, (), StartOptions::new(&queue, &queue))
        .await
        .expect("the retry succeeds");
    assert_eq!(result, "recovered on attempt 2");
    worker.stop().await.expect("clean shutdown");
}

/// Waits until `counter` is above zero.
async fn eventually_nonzero(counter: &AtomicU32, awaited: &str) {
    eventually(PATIENCE, awaited, || async {
        match counter.load(Ordering::SeqCst) {
            0 => Err(0),
            _ => Ok(()),
        }
    })
    .await;
}

#[tokio::test]
async fn cancellation_reaches_a_heartbeating_activity() {
    let client = client().await;
    let queue = task_queue("activity-cancel");
    let heartbeater = Arc::new(Heartbeater::default());
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<CancelsActivity>()
            .shared_activities(Arc::clone(&heartbeater)),
    );
    let handle = client
        .start(CancelsActivity::run, (), StartOptions::new(&queue, &queue))
        .await
        .expect("start");
    // The run stays open until told to finish, so the cancellation reaches the activity
    // through its heartbeats, not through the end of the run.
    eventually_nonzero(
        &heartbeater.cancellations_seen,
        "the activity to see its cancellation",
    )
    .await;
    // A cancellation the workflow asked for is not a worker shutdown.
    assert_eq!(
        *heartbeater
            .cancellations
            .lock()
            .unwrap_or_else(|e| e.into_inner()),
        vec![(Some(CancellationReason::Requested), false)],
        "(reason, worker shutting down) of each cancellation"
    );
    handle
        .signal(CancelsActivity::finish, ())
        .await
        .expect("signal");
    let winner = handle.result().await.expect("workflow result");
    assert_eq!(winner, "timer");
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn a_graceful_period_lets_running_activities_finish() {
    let client = client().await;
    let queue = task_queue("graceful");
    let held = Arc::new(HeldActivity::default());
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<HoldsActivity>()
            .shared_activities(Arc::clone(&held))
            .graceful_shutdown_period(Duration::MAX),
    );
    let handle = client
        .start(HoldsActivity::run, 1_500, StartOptions::new(&queue, &queue))
        .await
        .expect("start");
    // Shut down while the activity runs (it is released only after the shutdown request):
    // it still completes.
    eventually_nonzero(&held.started, "the activity to start").await;
    let stopped = worker.stop();
    held.release();
    stopped.await.expect("clean shutdown");
    assert_eq!(
        held.finished.load(Ordering::SeqCst),
        1,
        "the running activity finished before the worker stopped"
    );
    assert_eq!(
        held.finished_cancelled.load(Ordering::SeqCst),
        0,
        "with an unbounded graceful period nothing is cancelled"
    );

    // A new worker picks the workflow up where the old one left it.
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<HoldsActivity>()
            .shared_activities(Arc::clone(&held)),
    );
    assert_eq!(handle.result().await.expect("workflow result"), 1_500);
    assert_eq!(
        held.finished.load(Ordering::SeqCst),
        1,
        "the activity ran once"
    );
    worker.stop().await.expect("clean shutdown");
}
