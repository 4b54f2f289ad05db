//! Bad input and broken workflow code: each gets a clear error, and nothing else breaks.

use tests::{RunningWorker, client, task_queue, workflow_task_failure};
use workflow_runtime::{ClientError, StartOptions, Worker, payload::encode};

use crate::workflows::*;

fn worker(client: &workflow_runtime::Client, queue: &str) -> Worker {
    Worker::new(client, queue)
        .workflow::<PanickyWorkflow>()
        .workflow::<TimerWorkflow>()
        .workflow::<CallsUnregistered>()
        .workflow::<TokioSleeper>()
        .activity(echo)
}

#[tokio::test]
async fn unknown_workflow_type_fails_the_task_listing_registered_types() {
    let client = client().await;
    let queue = task_queue("unknown-workflow");
    let worker = RunningWorker::start(worker(&client, &queue));
    let handle = client
        .start_untyped("NoSuchWorkflow", vec![], StartOptions::new(&queue, &queue))
        .await
        .expect("start");
    let message = workflow_task_failure(&handle).await;
    assert!(
        message.contains("unknown workflow type `NoSuchWorkflow`"),
        "{message}"
    );
    for registered in [
        "`PanickyWorkflow`",
        "`TimerWorkflow`",
        "`CallsUnregistered`",
        "`TokioSleeper`",
    ] {
        assert!(message.contains(registered), "{message}");
    }
    handle.terminate("test over").await.expect("terminate");
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn undecodable_input_fails_the_workflow_naming_the_expected_type() {
    let client = client().await;
    let queue = task_queue("bad-input");
    let worker = RunningWorker::start(worker(&client, &queue));
    let handle = client
        .start_untyped(
            "TimerWorkflow",
            vec![
                encode("three hundred").expect("encode"),
                encode(&3).expect("encode"),
            ],
            StartOptions::new(&queue, &queue),
        )
        .await
        .expect("start");
    let error = handle
        .result_payloads()
        .await
        .expect_err("the workflow fails");
    let ClientError::Failed(failure) = error else {
        panic!("expected a workflow failure, got {error:?}");
    };
    assert_eq!(failure.error_type(), Some("PayloadError"));
    let message = failure.message();
    assert!(message.contains("workflow `TimerWorkflow`"), "{message}");
    assert!(message.contains("`u64`"), "{message}");
    assert!(
        message.contains("invalid type: string \"three hundred\""),
        "{message}"
    );
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn panic_fails_the_workflow_task_and_the_worker_keeps_serving() {
    let client = client().await;
    let queue = task_queue("panic");
    let worker = RunningWorker::start(worker(&client, &queue));
    let exploding = client
        .start(
            PanickyWorkflow::run,
            true,
            StartOptions::new(format!("{queue}-boom"), &queue),
        )
        .await
        .expect("start");
    let message = workflow_task_failure(exploding.untyped()).await;
    assert!(
        message.contains("workflow code panicked: the reactor core is overheating"),
        "{message}"
    );

    let calm = client
        .execute(
            PanickyWorkflow::run,
            false,
            StartOptions::new(format!("{queue}-calm"), &queue),
        )
        .await
        .expect("the same worker still serves other workflows");
    assert_eq!(calm, "calm");
    exploding.terminate("test over").await.expect("terminate");
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn unknown_activity_type_fails_the_activity_listing_registered_ones() {
    let client = client().await;
    let queue = task_queue("unknown-activity");
    let worker = RunningWorker::start(worker(&client, &queue));
    let error = client
        .execute(
            CallsUnregistered::run,
            (),
            StartOptions::new(&queue, &queue),
        )
        .await
        .expect_err("the activity cannot run");
    let ClientError::Failed(failure) = error else {
        panic!("expected a workflow failure, got {error:?}");
    };
    assert_eq!(failure.error_type(), Some("ActivityNotRegistered"));
    let message = failure.message();
    assert!(
        message.contains("unknown activity type `unregistered`"),
        "{message}"
    );
    assert!(message.contains("`echo`"), "{message}");
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn tokio_sleep_in_workflow_code_fails_the_task_naming_the_replacement() {
    let client = client().await;
    let queue = task_queue("tokio-sleep");
    let worker = RunningWorker::start(worker(&client, &queue));
    let handle = client
        .start(TokioSleeper::run, (), StartOptions::new(&queue, &queue))
        .await
        .expect("start");
    let message = workflow_task_failure(handle.untyped()).await;
    assert!(message.contains("use ctx.sleep() for timers"), "{message}");
    handle.terminate("test over").await.expect("terminate");
    worker.stop().await.expect("clean shutdown");
}
