//! Interoperability: the official Python SDK's client starts the Rust order workflow by name,
//! reads its typed result, and sees a Rust failure's type and message.

use std::process::Command;

use examples::order::{OrderActivities, OrderWorkflow};
use tests::{RunningWorker, client, python, python_scripts, server_address, task_queue};
use workflow_runtime::Worker;

#[tokio::test]
async fn python_client_drives_a_rust_worker() {
    let client = client().await;
    let queue = task_queue("python");
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<OrderWorkflow>()
            .activities(OrderActivities::new(20_000, [("WIDGET".to_owned(), 50)])),
    );
    let python = tokio::task::spawn_blocking(python)
        .await
        .expect("python set-up");
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(python_scripts().join("order_client.py"))
            .args([server_address(), queue.as_str()])
            .output()
            .expect("run the Python client")
    })
    .await
    .expect("python client");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "python client failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
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
