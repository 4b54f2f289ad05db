//! Worker shutdown: running activities learn that the worker is stopping, are cancelled with a
//! shutdown reason once the graceful period is over, and the worker stops.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use tests::{PATIENCE, RunningWorker, client, eventually, first_event, task_queue};
use workflow_runtime::{
    CancellationReason, StartOptions, Worker,
    protos::temporal::api::{
        enums::v1::EventType, failure::v1::failure::FailureInfo,
        history::v1::history_event::Attributes,
    },
};

use crate::workflows::*;

/// Runs [`WatchesShutdown`] on a worker with `period` (or the default), stops the worker while
/// the activity runs, and returns when the stop was requested and what the activity saw.
async fn stop_while_the_activity_runs(
    queue: &str,
    period: Option<Duration>,
) -> (
    Instant,
    ShutdownSeen,
    workflow_runtime::UntypedWorkflowHandle,
) {
    let client = client().await;
    let watcher = Arc::new(ShutdownWatcher::default());
    let mut worker = Worker::new(&client, queue)
        .workflow::<WatchesShutdown>()
        .shared_activities(Arc::clone(&watcher));
    if let Some(period) = period {
        worker = worker.graceful_shutdown_period(period);
    }
    let worker = RunningWorker::start(worker);
    let handle = client
        .start(WatchesShutdown::run, (), StartOptions::new(queue, queue))
        .await
        .expect("start");
    eventually(PATIENCE, "the activity to start", || async {
        match watcher.started.load(std::sync::atomic::Ordering::SeqCst) {
            0 => Err("not started"),
            _ => Ok(()),
        }
    })
    .await;
    let requested = Instant::now();
    // The worker stops: `stop` fails the test if it takes more than a minute.
    worker.stop().await.expect("clean shutdown");
    let seen = std::mem::take(&mut *watcher.seen.lock().unwrap_or_else(|e| e.into_inner()));
    (requested, seen, handle.untyped().clone())
}

/// The failure of the run's failed activity attempt: (application type, message).
async fn activity_failure(handle: &workflow_runtime::UntypedWorkflowHandle) -> (String, String) {
    let failed = first_event(handle, EventType::ActivityTaskFailed).await;
    let Some(Attributes::ActivityTaskFailedEventAttributes(failed)) = failed.attributes else {
        panic!("an ActivityTaskFailed event without its attributes: {failed:?}");
    };
    let failure = failed
        .failure
        .expect("a failed attempt carries its failure");
    let error_type = match &failure.failure_info {
        Some(FailureInfo::ApplicationFailureInfo(info)) => info.r#type.clone(),
        other => panic!("expected an application failure, got {other:?}"),
    };
    (error_type, failure.message)
}

#[tokio::test]
async fn after_the_graceful_period_a_running_activity_is_cancelled_for_worker_shutdown() {
    let queue = task_queue("shutdown-period");
    let period = Duration::from_secs(1);
    let (requested, seen, handle) = stop_while_the_activity_runs(&queue, Some(period)).await;

    // The activity learned of the shutdown before it was cancelled...
    let (_, cancelled_then) = seen.shutdown.expect("ctx.worker_shutdown() completed");
    assert!(
        !cancelled_then,
        "the shutdown is visible before the graceful period ends"
    );
    // ...and was cancelled, for the shutdown, only once the period was over.
    let (cancelled_at, reason) = seen.cancelled.expect("the activity was cancelled");
    assert_eq!(reason, Some(CancellationReason::WorkerShutdown));
    assert!(
        cancelled_at.duration_since(requested) >= period,
        "cancelled {:?} after the stop request, before the {period:?} period ended",
        cancelled_at.duration_since(requested)
    );
    // Core reports the attempt as a retryable WorkerShutdown failure, as for every SDK on core.
    let (error_type, message) = activity_failure(&handle).await;
    assert_eq!(error_type, "WorkerShutdown");
    assert!(message.contains("Worker is shutting down"), "{message}");
    handle.terminate("test over").await.expect("terminate");
}

#[tokio::test]
async fn by_default_running_activities_are_cancelled_as_soon_as_shutdown_starts() {
    let queue = task_queue("shutdown-default");
    let (_, seen, handle) = stop_while_the_activity_runs(&queue, None).await;
    let (_, reason) = seen.cancelled.expect("the activity was cancelled");
    assert_eq!(reason, Some(CancellationReason::WorkerShutdown));
    assert!(
        seen.shutdown.is_some(),
        "ctx.worker_shutdown() completed too"
    );
    let (error_type, _) = activity_failure(&handle).await;
    assert_eq!(error_type, "WorkerShutdown");
    handle.terminate("test over").await.expect("terminate");
}
