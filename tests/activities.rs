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
