//! Activities completed later by a client, against a real server: by task token and by
//! workflow id and activity id; completed, failed, cancelled, heartbeat past the heartbeat
//! timeout; a second completion refused; a local activity that tries it.

use std::{sync::Arc, time::Duration};

use tests::{client, task_queue};
use tokio::sync::{Mutex, mpsc};
use workflow_runtime::{
    ActivityInfo, AsyncActivityId, RunningWorker, failure_type, prelude::*,
    protos::temporal::api::enums::v1::EventType,
};

/// Hands each attempt's info to the test, then leaves the activity open.
pub struct Approvals {
    attempts: mpsc::UnboundedSender<ActivityInfo>,
}

#[activities]
impl Approvals {
    #[activity]
    pub async fn request_approval(
        &self,
        ctx: ActivityContext,
        _order: String,
    ) -> Result<String, ActivityError> {
        let _ = self.attempts.send(ctx.info().clone());
        Err(ActivityError::complete_async())
    }
}

/// Waits for the approval; `local` asks for it as a local activity.
#[derive(Default)]
pub struct AwaitApproval;

#[workflow]
impl AwaitApproval {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, local: bool) -> WorkflowResult<String> {
        let outcome = if local {
            ctx.local_activity(Approvals::request_approval, "order-1".to_owned())
                .options(LocalActivityOptions::start_to_close(Duration::from_secs(
                    10,
                )))
                .await
        } else {
            let options = ActivityOptions::start_to_close(Duration::from_secs(60))
                .heartbeat_timeout(Duration::from_secs(3))
                .retry(RetryPolicy::exponential().maximum_attempts(2))
                .cancellation(ActivityCancellation::WaitCancellationCompleted);
            ctx.activity(Approvals::request_approval, "order-1".to_owned())
                .options(options)
                .await
        };
        match outcome {
            Err(failed) if failed.is_cancelled() => Ok("cancelled".to_owned()),
            outcome => Ok(outcome?),
        }
    }
}

struct Harness {
    client: Client,
    queue: String,
    attempts: Mutex<mpsc::UnboundedReceiver<ActivityInfo>>,
    worker: RunningWorker,
}

impl Harness {
    async fn start(name: &str) -> Self {
        let client = client().await;
        let queue = task_queue(name);
        let (sender, attempts) = mpsc::unbounded_channel();
        let worker = RunningWorker::start(
            Worker::new(&client, &queue)
                .workflow::<AwaitApproval>()
                .shared_activities(Arc::new(Approvals { attempts: sender })),
        );
        Self {
            client,
            queue,
            attempts: Mutex::new(attempts),
            worker,
        }
    }

    async fn start_run(&self, id: &str, local: bool) -> WorkflowHandle<AwaitApproval> {
        self.client
            .start(
                AwaitApproval::run,
                local,
                StartOptions::new(format!("{}-{id}", self.queue), &self.queue),
            )
            .await
            .expect("start")
    }

    /// The next attempt that asked for a later completion.
    async fn next_attempt(&self) -> ActivityInfo {
        tokio::time::timeout(tests::PATIENCE, self.attempts.lock().await.recv())
            .await
            .expect("an attempt within the patience")
            .expect("the worker runs")
    }
}

#[tokio::test]
async fn a_client_completes_an_activity_later_by_task_token_or_by_id_heartbeating_meanwhile() {
    let harness = Harness::start("async-complete").await;
    let client = &harness.client;

    // By task token, typed by the activity, with heartbeats that outlast its 3 s heartbeat
    // timeout.
    let by_token = harness.start_run("token", false).await;
    let attempt = harness.next_attempt().await;
    assert!(!attempt.task_token.as_bytes().is_empty());
    let handle = client.async_activity(Approvals::request_approval, attempt.task_token.clone());
    for second in 0..5 {
        let heard = handle.heartbeat(&second).await.expect("heartbeat");
        assert!(!heard.cancel_requested);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    handle
        .complete(&"approved".to_owned())
        .await
        .expect("complete");
    assert_eq!(by_token.result().await.expect("result"), "approved");
    let error = handle
        .complete(&"twice".to_owned())
        .await
        .expect_err("a completed activity is not open");
    assert!(
        matches!(error, ClientError::ActivityNotFound { .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().starts_with("activity with task token"),
        "{error}"
    );

    // By workflow id and activity id, with the result type given.
    let by_id = harness.start_run("id", false).await;
    let attempt = harness.next_attempt().await;
    let id = AsyncActivityId::by_id(&attempt.workflow_id, &attempt.activity_id)
        .run_id(&attempt.workflow_run_id);
    client
        .async_activity_handle::<String>(id)
        .complete(&"approved by id".to_owned())
        .await
        .expect("complete by id");
    assert_eq!(by_id.result().await.expect("result"), "approved by id");
    harness.worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn a_client_fails_or_cancels_an_activity_later_and_the_workflow_sees_it() {
    let harness = Harness::start("async-fail").await;
    let client = &harness.client;

    // A retryable failure: the server runs a second attempt, with a new token.
    let failing = harness.start_run("fail", false).await;
    let first = harness.next_attempt().await;
    client
        .async_activity(Approvals::request_approval, first.task_token.clone())
        .fail(ActivityError::retryable("Busy", "try again"))
        .await
        .expect("fail");
    let second = harness.next_attempt().await;
    assert_eq!(second.attempt, 2);
    assert_ne!(second.task_token, first.task_token);
    // A non-retryable one by id ends the activity, and the workflow with it.
    client
        .async_activity(
            Approvals::request_approval,
            AsyncActivityId::by_id(&second.workflow_id, &second.activity_id),
        )
        .fail(ActivityError::non_retryable(
            "Rejected",
            "the reviewer said no",
        ))
        .await
        .expect("fail by id");
    let error = failing.result().await.expect_err("the workflow fails");
    let ClientError::Failed(failure) = error else {
        panic!("expected a workflow failure, got {error:?}");
    };
    assert_eq!(failure.error_type(), Some("Rejected"));
    assert_eq!(failure.message(), "the reviewer said no");

    // The workflow's cancellation reaches the completer through its heartbeat; it reports
    // the cancellation, which the workflow waits for.
    let cancelled = harness.start_run("cancel", false).await;
    let attempt = harness.next_attempt().await;
    let handle = client.async_activity(Approvals::request_approval, attempt.task_token);
    assert!(
        !handle
            .heartbeat(&"working")
            .await
            .expect("heartbeat")
            .cancel_requested
    );
    cancelled.cancel().await.expect("cancel the workflow");
    tests::eventually(
        tests::PATIENCE,
        "the cancellation to reach the heartbeat",
        || {
            let handle = handle.clone();
            async move {
                match handle.heartbeat(&"working").await {
                    Ok(heard) if heard.cancel_requested => Ok(()),
                    other => Err(format!("{other:?}")),
                }
            }
        },
    )
    .await;
    handle.report_cancellation().await.expect("report");
    assert_eq!(cancelled.result().await.expect("result"), "cancelled");
    let cancels = tests::history_events(cancelled.untyped(), EventType::ActivityTaskCanceled).await;
    assert_eq!(cancels.len(), 1);
    harness.worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn a_local_activity_cannot_complete_later_and_fails_saying_so() {
    let harness = Harness::start("async-local").await;
    let run = harness.start_run("local", true).await;
    let error = run.result().await.expect_err("the workflow fails");
    let ClientError::Failed(failure) = error else {
        panic!("expected a workflow failure, got {error:?}");
    };
    assert_eq!(failure.error_type(), Some(failure_type::COMPLETE_ASYNC));
    assert!(
        failure
            .message()
            .contains("a local activity cannot complete asynchronously"),
        "{}",
        failure.message()
    );
    assert!(failure.is_non_retryable());
    harness.worker.stop().await.expect("clean shutdown");
}
