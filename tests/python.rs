//! Interoperability: the official Python SDK's client starts the Rust order workflow by name,
//! reads its typed result, sees a Rust failure's type and message, and drives the workflow's
//! signal, query and update handlers (a rejected update reaches Python with the validator's
//! message), and sees calls with more arguments than declared fail with both counts.

use std::{path::PathBuf, process::Command};

use tests::{
    RunningWorker, client,
    fixtures::{order_activities, order_worker},
    python, python_scripts, server_address, task_queue,
};
use workflow_runtime::Worker;

use crate::workflows::{Counter, TimerWorkflow, echo_number};

#[tokio::test]
async fn python_client_drives_a_rust_worker() {
    let client = client().await;
    let queue = task_queue("python");
    let worker = RunningWorker::start(order_worker(&client, &queue, &order_activities()));
    let stdout = run_python("order_client.py", &queue).await;
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert_eq!(lines[0]["result"]["status"], "Completed");
    assert_eq!(lines[0]["result"]["total_cents"], 3000);
    assert_eq!(lines[1]["error"]["type"], "PaymentDeclined");
    assert!(
        lines[1]["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("declined for 30000 cents")),
        "{stdout}"
    );
    worker.stop().await.expect("clean shutdown");
}

/// Runs one of the Python client scripts against the shared server and returns its stdout.
async fn run_python(script: &'static str, queue: &str) -> String {
    let python: PathBuf = tokio::task::spawn_blocking(python)
        .await
        .expect("python set-up");
    let queue = queue.to_owned();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(python_scripts().join(script))
            .args([server_address(), queue.as_str()])
            .output()
            .expect("run the Python client")
    })
    .await
    .expect("python client");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "python client {script} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[tokio::test]
async fn python_client_signals_queries_and_updates_a_rust_workflow() {
    let client = client().await;
    let queue = task_queue("python-interactive");
    let worker = RunningWorker::start(order_worker(&client, &queue, &order_activities()));
    let stdout = run_python("interactive_client.py", &queue).await;
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    assert_eq!(lines[0]["status"], "Paid", "{stdout}");
    assert_eq!(lines[1]["previous"]["city"], "Lyon", "{stdout}");
    assert_eq!(lines[2]["rejected"]["type"], "InvalidAddress", "{stdout}");
    assert_eq!(
        lines[2]["rejected"]["message"], "an address needs a street and a city",
        "{stdout}"
    );
    assert_eq!(lines[3]["result"]["status"], "Cancelled", "{stdout}");
    assert_eq!(
        lines[3]["result"]["cancellation_reason"], "changed my mind",
        "{stdout}"
    );
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn python_calls_with_extra_arguments_fail_naming_both_counts() {
    let client = client().await;
    let queue = task_queue("python-counts");
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<TimerWorkflow>()
            .workflow::<Counter>()
            .activity(echo_number),
    );
    let stdout = run_python("argument_counts_client.py", &queue).await;
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert_eq!(lines[0]["workflow"]["type"], "PayloadError", "{stdout}");
    assert!(
        lines[0]["workflow"]["message"].as_str().is_some_and(
            |m| m.contains("workflow `TimerWorkflow` declares 2 arguments but received 3")
        ),
        "{stdout}"
    );
    assert_eq!(lines[1]["update"]["type"], "PayloadError", "{stdout}");
    assert!(
        lines[1]["update"]["message"]
            .as_str()
            .is_some_and(|m| m
                .contains("update `set` of workflow `Counter` declares 1 argument but received 2")),
        "{stdout}"
    );
    assert_eq!(lines[2]["result"], serde_json::json!([]), "{stdout}");
    worker.stop().await.expect("clean shutdown");
}
