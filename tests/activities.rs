//! Activities: retries, non-retryable errors, parallel execution.

use std::sync::{Arc, atomic::Ordering};

use tests::{RunningWorker, client, task_queue};
use workflow_runtime::{ClientError, StartOptions, Worker};

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
    let history = handle.history().await.expect("history");
    let cancelled_timers = history
        .iter()
        .filter(|e| matches!(e.attributes, Some(workflow_runtime::protos::temporal::api::history::v1::history_event::Attributes::TimerCanceledEventAttributes(_))))
        .count();
    assert_eq!(cancelled_timers, 1, "the losing timer is cancelled");
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

#[tokio::test]
async fn cancellation_reaches_a_heartbeating_activity() {
    let client = client().await;
    let queue = task_queue("activity-cancel");
    let before = CANCELLATION_SEEN.load(Ordering::SeqCst);
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<CancelsActivity>()
            .activity(heartbeat_until_cancelled),
    );
    let winner = client
        .execute(CancelsActivity::run, (), StartOptions::new(&queue, &queue))
        .await
        .expect("workflow result");
    assert_eq!(winner, "timer");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while CANCELLATION_SEEN.load(Ordering::SeqCst) == before {
        assert!(
            std::time::Instant::now() < deadline,
            "the activity never saw its cancellation"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn graceful_shutdown_lets_running_activities_finish() {
    let client = client().await;
    let queue = task_queue("graceful");
    let before = SLOW_DONE.load(Ordering::SeqCst);
    let started_before = SLOW_STARTED.load(Ordering::SeqCst);
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<SlowWorkflow>()
            .activity(slow),
    );
    let handle = client
        .start(SlowWorkflow::run, 1_500, StartOptions::new(&queue, &queue))
        .await
        .expect("start");
    // Shut down while the activity runs: it still completes.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while SLOW_STARTED.load(Ordering::SeqCst) == started_before {
        assert!(
            std::time::Instant::now() < deadline,
            "the activity never started"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    worker.stop().await.expect("clean shutdown");
    assert_eq!(
        SLOW_DONE.load(Ordering::SeqCst),
        before + 1,
        "the running activity finished before the worker stopped"
    );

    // A new worker picks the workflow up where the old one left it.
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<SlowWorkflow>()
            .activity(slow),
    );
    assert_eq!(handle.result().await.expect("workflow result"), 1_500);
    assert_eq!(
        SLOW_DONE.load(Ordering::SeqCst),
        before + 1,
        "the activity ran once"
    );
    worker.stop().await.expect("clean shutdown");
}
