//! Interoperability: the official Python SDK's client starts the Rust order workflow by name,
//! reads its typed result, sees a Rust failure's type and message, and drives the workflow's
//! signal, query and update handlers (a rejected update reaches Python with the validator's
//! message); an update Python started is awaited in Rust by its id; calls with more arguments
//! than declared fail with both counts. A Python worker and client exchange bytes
//! (`binary/plain`) and protobuf messages (`json/protobuf`, `binary/protobuf`) with Rust
//! workflows in both directions.

use tests::{
    RunningWorker, client,
    fixtures::{order_activities, order_worker},
    history_events, run_python, task_queue,
};
use workflow_runtime::{
    Client, ClientError, StartOptions, Worker,
    payload::{Payload, decode},
    protos::temporal::api::{
        common::v1::Payloads,
        enums::v1::EventType,
        history::v1::{HistoryEvent, history_event::Attributes},
    },
};

use crate::workflows::{BytesWorkflow, Counter, ProtoWorkflow, TimerWorkflow, echo_number};

#[tokio::test]
async fn python_client_drives_a_rust_worker() {
    let client = client().await;
    let queue = task_queue("python");
    let worker = RunningWorker::start(order_worker(&client, &queue, &order_activities()));
    let stdout = run_python("order_client.py", &[&queue]).await;
    let lines = json_lines(&stdout);
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

/// The JSON objects a Python script printed, one a line.
fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

#[tokio::test]
async fn python_client_signals_queries_and_updates_a_rust_workflow() {
    let client = client().await;
    let queue = task_queue("python-interactive");
    let worker = RunningWorker::start(order_worker(&client, &queue, &order_activities()));
    let stdout = run_python("interactive_client.py", &[&queue]).await;
    let lines = json_lines(&stdout);
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
async fn an_update_started_from_python_is_awaited_in_rust_by_its_id() {
    let client = client().await;
    let queue = task_queue("python-update-handle");
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<Counter>()
            .activity(echo_number),
    );
    let workflow_id = queue.clone();
    let handle = client
        .start(Counter::run, 1_000, StartOptions::new(&workflow_id, &queue))
        .await
        .expect("start");
    // Python sends `add_when_open(9)` with its own update id and exits once it is accepted;
    // the handler waits for the gate.
    let stdout = run_python("start_update.py", &[&workflow_id, "from-python"]).await;
    let line: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON line");
    assert_eq!(line["update_id"], "from-python", "{stdout}");

    // Another client (another connection), as in another process, knows only the ids.
    let other = tests::client().await;
    let update = other
        .handle::<Counter>(&workflow_id)
        .update_handle(Counter::add_when_open, "from-python");
    assert_eq!(update.update_id(), "from-python");
    handle.signal(Counter::open_gate, ()).await.expect("signal");
    assert_eq!(update.result().await.expect("the update's outcome"), 9);

    // Untyped, after the update completed: the outcome stays with the workflow.
    let payloads = other
        .untyped_handle(&workflow_id, None)
        .update_handle("from-python")
        .result_payloads()
        .await
        .expect("the update's outcome");
    assert_eq!(decode::<i64>(&payloads[0]).expect("an i64"), 9);

    let unknown = other
        .untyped_handle(&workflow_id, None)
        .update_handle("never-sent")
        .result_payloads()
        .await
        .expect_err("no such update");
    assert!(
        matches!(&unknown, ClientError::UpdateNotFound { workflow_id: w, update_id, .. }
            if *w == workflow_id && update_id == "never-sent"),
        "{unknown:?}"
    );
    assert!(unknown.to_string().contains("`never-sent`"), "{unknown}");

    handle.signal(Counter::finish, ()).await.expect("finish");
    assert_eq!(handle.result().await.expect("result"), vec![9]);
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
    let stdout = run_python("argument_counts_client.py", &[&queue]).await;
    let lines = json_lines(&stdout);
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

#[tokio::test]
async fn bytes_and_protobuf_messages_cross_to_python_and_back() {
    let client = client().await;
    let queue = task_queue("python-payloads");
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<BytesWorkflow>()
            .workflow::<ProtoWorkflow>(),
    );
    let stdout = run_python("payloads.py", &[&queue]).await;
    let lines = json_lines(&stdout);
    assert_eq!(lines.len(), 2, "{stdout}");
    // Python sent b"\x00\x01abc\xff"; its activity reversed it; the Rust workflow appended
    // the original; the Python client read `bytes`.
    assert_eq!(lines[0]["bytes"]["type"], "bytes", "{stdout}");
    assert_eq!(
        lines[0]["bytes"]["hex"], "ff63626101000001616263ff",
        "{stdout}"
    );
    // The Python activity answered a Timestamp for the execution; the Python client read a
    // WorkflowExecution message.
    let workflow_id = format!("{queue}-proto");
    assert_eq!(lines[1]["proto"]["type"], "WorkflowExecution", "{stdout}");
    assert_eq!(lines[1]["proto"]["workflow_id"], workflow_id.as_str());
    assert_eq!(
        lines[1]["proto"]["run_id"],
        format!("stamped-{}", 1_700_000_000 + workflow_id.len()),
        "{stdout}"
    );

    // What travelled, in the histories.
    assert_eq!(
        travelled(&client, &format!("{queue}-bytes")).await,
        [
            "start: binary/plain, json/plain",
            "activity input: binary/plain",
            "activity result: binary/plain",
            "result: binary/plain",
        ]
    );
    let execution = "json/protobuf temporal.api.common.v1.WorkflowExecution";
    assert_eq!(
        travelled(&client, &workflow_id).await,
        [
            format!("start: {execution}, json/plain"),
            "activity input: binary/protobuf temporal.api.common.v1.WorkflowExecution".to_owned(),
            "activity result: json/protobuf google.protobuf.Timestamp".to_owned(),
            format!("result: {execution}"),
        ]
    );
    worker.stop().await.expect("clean shutdown");
}

/// The encodings (and message types) of the payloads a run's history holds: its input, its
/// activities' inputs and results, and its result.
async fn travelled(client: &Client, workflow_id: &str) -> Vec<String> {
    let handle = client.untyped_handle(workflow_id, None);
    let mut travelled = Vec::new();
    for kind in [
        EventType::WorkflowExecutionStarted,
        EventType::ActivityTaskScheduled,
        EventType::ActivityTaskCompleted,
        EventType::WorkflowExecutionCompleted,
    ] {
        for event in history_events(&handle, kind).await {
            travelled.push(payload_encodings(&event));
        }
    }
    travelled
}

fn payload_encodings(event: &HistoryEvent) -> String {
    let (what, payloads) = match &event.attributes {
        Some(Attributes::WorkflowExecutionStartedEventAttributes(a)) => ("start", &a.input),
        Some(Attributes::ActivityTaskScheduledEventAttributes(a)) => ("activity input", &a.input),
        Some(Attributes::ActivityTaskCompletedEventAttributes(a)) => ("activity result", &a.result),
        Some(Attributes::WorkflowExecutionCompletedEventAttributes(a)) => ("result", &a.result),
        other => panic!("no payloads expected in {other:?}"),
    };
    let describe = |p: &Payload| {
        let text = |key: &str| {
            p.metadata
                .get(key)
                .map(|v| String::from_utf8_lossy(v).into_owned())
        };
        let encoding = text("encoding").unwrap_or_default();
        match text("messageType") {
            Some(message_type) => format!("{encoding} {message_type}"),
            None => encoding,
        }
    };
    let payloads: Vec<String> = payloads
        .iter()
        .flat_map(|p: &Payloads| p.payloads.iter().map(describe))
        .collect();
    format!("{what}: {}", payloads.join(", "))
}
