//! Failures across languages: a Python activity's `ApplicationError` with details and a cause
//! reaches Rust workflow code whole, and a Rust workflow failure with details and a cause
//! reaches the Python client whole.

use std::{process::Command, time::Duration};

use serde::{Deserialize, Serialize};
use tests::{
    PythonWorker, RunningWorker, client, history_events, python, python_scripts, server_address,
    task_queue,
};
use workflow_runtime::{
    prelude::*,
    protos::temporal::api::{enums::v1::EventType, history::v1::history_event::Attributes},
};

/// Implemented by the Python worker of `tests/python/failure_interop.py`; this declaration
/// only gives Rust workflow code its name and types.
#[activity(name = "py_fail")]
async fn py_fail(_ctx: ActivityContext, label: String) -> Result<String, ActivityError> {
    Err(ActivityError::non_retryable(
        "NotHere",
        format!("py_fail({label}) runs on the Python worker"),
    ))
}

/// What Rust workflow code saw of the Python activity's failure.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct SeenFailure {
    error_type: Option<String>,
    message: String,
    non_retryable: bool,
    details: Option<serde_json::Value>,
    cause_type: Option<String>,
    cause_message: Option<String>,
}

#[derive(Default)]
pub struct ReadsPythonFailure;

#[workflow]
impl ReadsPythonFailure {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, python_queue: String) -> WorkflowResult<SeenFailure> {
        let options = ActivityOptions::start_to_close(Duration::from_secs(30))
            .task_queue(python_queue)
            .retry(RetryPolicy::exponential().maximum_attempts(3));
        let Err(failed) = ctx
            .activity(py_fail, "order-7".to_owned())
            .options(options)
            .await
        else {
            return Err(WorkflowError::application(
                "Unexpected",
                "py_fail succeeded",
            ));
        };
        let raised = failed.application_error();
        let cause = raised.and_then(|raised| raised.cause());
        Ok(SeenFailure {
            error_type: failed.error_type().map(str::to_owned),
            message: failed.message().to_owned(),
            non_retryable: failed.is_non_retryable(),
            details: failed.details().and_then(Result::ok),
            cause_type: cause.and_then(|c| c.error_type()).map(str::to_owned),
            cause_message: cause.map(|c| c.message().to_owned()),
        })
    }
}

#[derive(Default)]
pub struct FailsWithCause;

#[workflow]
impl FailsWithCause {
    #[run]
    async fn run(_ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let error = WorkflowError::non_retryable("RustOuter", "outer from rust")
            .with_details(&serde_json::json!({"code": 42}))?
            .with_cause(WorkflowError::application("RustInner", "inner from rust"));
        Err(error)
    }
}

#[tokio::test]
async fn a_python_application_error_reaches_rust_with_details_and_cause() {
    let client = client().await;
    let queue = task_queue("failures-rust");
    let python_queue = task_queue("failures-python");
    let python_worker = PythonWorker::start("failure_interop.py", &python_queue).await;
    let worker =
        RunningWorker::start(Worker::new(&client, &queue).workflow::<ReadsPythonFailure>());
    let seen = client
        .execute(
            ReadsPythonFailure::run,
            python_queue.clone(),
            StartOptions::new(format!("{queue}-read"), &queue),
        )
        .await
        .expect("the workflow completes with what it saw");
    assert_eq!(
        seen,
        SeenFailure {
            error_type: Some("PyOuter".into()),
            message: "outer message".into(),
            non_retryable: true,
            details: Some(serde_json::json!({"order": "order-7"})),
            cause_type: Some("PyInner".into()),
            cause_message: Some("inner message".into()),
        }
    );
    worker.stop().await.expect("clean shutdown");
    drop(python_worker);
}

/// What the Python client saw of the failure of `FailsWithCause` run as `workflow_id`.
async fn python_sees_failure(queue: &str, workflow_id: &str) -> serde_json::Value {
    let python = tokio::task::spawn_blocking(python)
        .await
        .expect("python set-up");
    let args = [
        "client".to_owned(),
        server_address().to_owned(),
        queue.to_owned(),
        workflow_id.to_owned(),
    ];
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(python_scripts().join("failure_interop.py"))
            .args(args)
            .output()
            .expect("run the Python client")
    })
    .await
    .expect("python client");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON line");
    seen["failure"].clone()
}

/// The failure `FailsWithCause` ends with, as every caller must see it.
fn expected_failure() -> serde_json::Value {
    serde_json::json!({
            "type": "RustOuter",
            "message": "outer from rust",
            "details": [{"code": 42}],
            "non_retryable": true,
            "cause": {
                "type": "RustInner",
                "message": "inner from rust",
                "details": [],
                "non_retryable": false,
                "cause": null,
            },
    })
}

#[tokio::test]
async fn a_rust_workflow_failure_reaches_python_with_details_and_cause() {
    let client = client().await;
    let queue = task_queue("failures-to-python");
    let worker = RunningWorker::start(Worker::new(&client, &queue).workflow::<FailsWithCause>());
    let seen = python_sees_failure(&queue, &format!("{queue}-fails")).await;
    assert_eq!(seen, expected_failure());
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn encoded_failure_attributes_are_hidden_in_history_and_decoded_by_every_client() {
    let client = client().await;
    let queue = task_queue("failures-encoded");
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<FailsWithCause>()
            .encode_failure_attributes(true),
    );
    let workflow_id = format!("{queue}-fails");
    let seen = python_sees_failure(&queue, &workflow_id).await;
    assert_eq!(seen, expected_failure());

    // The history holds only the stand-in message; the real one is in encoded_attributes.
    let handle = client.untyped_handle(&workflow_id, None);
    let failed = history_events(&handle, EventType::WorkflowExecutionFailed).await;
    let Some(Attributes::WorkflowExecutionFailedEventAttributes(failed)) =
        failed.first().and_then(|e| e.attributes.clone())
    else {
        panic!("no WorkflowExecutionFailed event: {failed:?}");
    };
    let failure = failed.failure.expect("a failure");
    assert_eq!(failure.message, "Encoded failure");
    assert!(failure.encoded_attributes.is_some());
    let cause = failure.cause.expect("the cause");
    assert_eq!(cause.message, "Encoded failure");

    // The Rust client decodes it as the Python one does.
    let error = client
        .handle::<FailsWithCause>(&workflow_id)
        .result()
        .await
        .expect_err("the workflow failed");
    let ClientError::Failed(failed) = error else {
        panic!("expected a workflow failure, got {error:?}");
    };
    assert_eq!(failed.error_type(), Some("RustOuter"));
    assert_eq!(failed.message(), "outer from rust");
    let cause = failed.application_error().and_then(|e| e.cause());
    assert_eq!(cause.map(|c| c.message()), Some("inner from rust"));
    worker.stop().await.expect("clean shutdown");
}
