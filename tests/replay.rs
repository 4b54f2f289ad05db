//! Replaying recorded histories: the same code replays cleanly, whether the history was
//! fetched by the client, exported by the `temporal` CLI as JSON, saved as binary protobuf, or
//! written by a Python worker; a changed workflow is reported with the event where it parts
//! from its history; and a worker that meets the change on a live run logs the message the
//! failed workflow task records; a replay stuck in blocking code fails as a deadlock.

use std::{path::Path, process::Command};

use prost::Message;
use tests::{
    PATIENCE, PythonWorker, RunningWorker, client, eventually, first_event,
    fixtures::{order, order_activities, order_worker},
    server_address, task_queue, warnings_containing, workflow_task_failure,
};
use workflow_runtime::{
    StartOptions, Worker,
    protos::temporal::api::{enums::v1::EventType, history::v1::History},
    replay::{ReplayError, Replayer, WorkflowHistory},
    testing::temporal_cli,
};

use examples::order_workflow::OrderWorkflow;

use crate::workflows::{BlockingTimerWorkflow, ChangedTimerWorkflow, TimerWorkflow};

/// Saves a run's history as the `temporal` CLI exports it: `temporal workflow show -o json`.
fn export_with_cli(workflow_id: &str, file: &Path) {
    let cli = temporal_cli().expect("the temporal CLI");
    let output = Command::new(cli)
        .args(["workflow", "show", "--output", "json", "--address"])
        .arg(server_address())
        .args(["--workflow-id", workflow_id])
        .output()
        .expect("run temporal workflow show");
    assert!(
        output.status.success(),
        "temporal workflow show failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::write(file, output.stdout).expect("save the history");
}

fn scratch_folder(queue: &str) -> std::path::PathBuf {
    let folder = std::env::temp_dir().join(queue);
    std::fs::create_dir_all(&folder).expect("scratch folder");
    folder
}

#[tokio::test]
async fn fetched_histories_replay_and_a_changed_workflow_is_named_with_its_event() {
    let client = client().await;
    let queue = task_queue("replay");
    let worker = RunningWorker::start(
        order_worker(&client, &queue, &order_activities()).workflow::<TimerWorkflow>(),
    );
    let timers_id = format!("{queue}-timers");
    let timers = client
        .start(
            TimerWorkflow::run,
            (20, 3),
            StartOptions::new(&timers_id, &queue),
        )
        .await
        .expect("start");
    timers.result().await.expect("timer workflow completes");
    let order_id = format!("{queue}-order");
    let probe = client
        .start(
            OrderWorkflow::run,
            order(&order_id, 2),
            StartOptions::new(&order_id, &queue),
        )
        .await
        .expect("start");
    probe.result().await.expect("order completes");
    worker.stop().await.expect("clean shutdown");

    let timer_history = timers.fetch_history().await.expect("history");
    let order_history = probe.fetch_history().await.expect("history");
    assert_eq!(timer_history.workflow_id(), timers_id);
    assert_eq!(timer_history.workflow_type(), "TimerWorkflow");

    let replayer = Replayer::new()
        .workflow::<TimerWorkflow>()
        .workflow::<OrderWorkflow>();
    replayer
        .replay(&timer_history)
        .await
        .expect("the same code replays its own history");
    replayer
        .replay(&order_history)
        .await
        .expect("sequential and parallel activities replay identically");

    // The binary protobuf form, as `bench` and other tools save it.
    let file = scratch_folder(&queue).join("order.binpb");
    std::fs::write(
        &file,
        History {
            events: order_history.events().to_vec(),
        }
        .encode_to_vec(),
    )
    .expect("write");
    replayer
        .replay_file(&file)
        .await
        .expect("replay from a binary file");

    // The changed code schedules an activity where the history started a timer.
    let error = Replayer::new()
        .workflow::<ChangedTimerWorkflow>()
        .replay(&timer_history)
        .await
        .expect_err("a changed workflow does not match the history");
    let mismatch = error.mismatch().expect("a mismatch");
    assert_eq!(mismatch.event_id, Some(5), "{mismatch:?}");
    assert_eq!(
        error.to_string(),
        format!(
            "workflow `{timers_id}` (TimerWorkflow) does not match its history at event 5: the \
             history has TimerStarted (20ms), the code scheduled activity `echo`"
        )
    );
    assert!(
        mismatch.detail.contains("Nondeterminism"),
        "core's words are kept: {}",
        mismatch.detail
    );
}

#[tokio::test]
async fn a_folder_of_cli_exported_demo_histories_replays_with_a_line_per_failing_history() {
    let client = client().await;
    let queue = task_queue("replay-cli");
    let worker = RunningWorker::start(
        order_worker(&client, &queue, &order_activities()).workflow::<TimerWorkflow>(),
    );
    let order_id = format!("{queue}-order");
    client
        .execute(
            OrderWorkflow::run,
            order(&order_id, 3),
            StartOptions::new(&order_id, &queue),
        )
        .await
        .expect("the demo's order completes");
    let timers_id = format!("{queue}-timers");
    client
        .execute(
            TimerWorkflow::run,
            (10, 2),
            StartOptions::new(&timers_id, &queue),
        )
        .await
        .expect("timers complete");
    worker.stop().await.expect("clean shutdown");

    let folder = scratch_folder(&queue);
    export_with_cli(&order_id, &folder.join("order.json"));
    export_with_cli(&timers_id, &folder.join("timers.json"));
    // Not a history: reported on its own line, the others still replay.
    std::fs::write(folder.join("notes.json"), r#"{"todo": []}"#).expect("write");
    std::fs::write(folder.join("README.txt"), "not a history file").expect("write");

    let exported = WorkflowHistory::from_file(folder.join("order.json")).expect("CLI JSON reads");
    assert_eq!(exported.workflow_id(), order_id);
    assert_eq!(exported.workflow_type(), "OrderWorkflow");

    let report = Replayer::new()
        .workflow::<OrderWorkflow>()
        .workflow::<TimerWorkflow>()
        .replay_dir(&folder)
        .await
        .expect("the folder reads");
    assert_eq!(report.replayed(), 3, "{report}");
    let failures: Vec<_> = report.failures().collect();
    assert_eq!(failures.len(), 1, "{report}");
    assert!(matches!(failures[0].1, ReplayError::History(_)), "{report}");
    assert!(failures[0].0.ends_with("notes.json"), "{report}");

    std::fs::remove_file(folder.join("notes.json")).expect("remove");
    let report = Replayer::new()
        .workflow::<OrderWorkflow>()
        .workflow::<ChangedTimerWorkflow>()
        .replay_dir(&folder)
        .await
        .expect("the folder reads");
    let failed: Vec<&str> = report.failures().map(|(id, _)| id).collect();
    assert_eq!(failed, [timers_id.as_str()], "{report}");
    let listed = report.to_string();
    assert!(
        listed.starts_with("1 of 2 histories did not replay\n  - workflow `"),
        "{listed}"
    );
    assert!(
        listed.contains(
            "at event 5: the history has TimerStarted (10ms), the code scheduled activity `echo`"
        ),
        "{listed}"
    );
    let _ = std::fs::remove_dir_all(&folder);
}

#[tokio::test]
async fn a_history_the_python_sdk_wrote_replays_on_the_rust_workflow() {
    let client = client().await;
    let queue = task_queue("replay-python");
    let python = PythonWorker::start("timer_history.py", &queue).await;
    let id = format!("{queue}-timers");
    let (fired, _elapsed) = client
        .execute(TimerWorkflow::run, (15, 2), StartOptions::new(&id, &queue))
        .await
        .expect("the Python worker runs it");
    assert_eq!(fired, 2);
    drop(python);

    let fetched = client
        .handle::<TimerWorkflow>(&id)
        .fetch_history()
        .await
        .expect("history");
    let file = scratch_folder(&queue).join("python-timers.json");
    export_with_cli(&id, &file);
    let replayer = Replayer::new().workflow::<TimerWorkflow>();
    replayer
        .replay(&fetched)
        .await
        .expect("the Rust workflow replays what the Python one did");
    replayer
        .replay_file(&file)
        .await
        .expect("and so from the CLI's JSON export");
    let changed = Replayer::new()
        .workflow::<ChangedTimerWorkflow>()
        .replay_file(&file)
        .await
        .expect_err("the changed Rust workflow does not");
    assert_eq!(error_event(&changed), Some(5), "{changed}");
    let _ = std::fs::remove_dir_all(file.parent().expect("folder"));
}

fn error_event(error: &ReplayError) -> Option<i64> {
    error.mismatch().and_then(|m| m.event_id)
}

#[tokio::test]
async fn code_changed_under_a_running_workflow_logs_the_message_its_failed_task_records() {
    let client = client().await;
    let queue = task_queue("replay-live");
    let before = RunningWorker::start(Worker::new(&client, &queue).workflow::<TimerWorkflow>());
    let id = format!("{queue}-timers");
    let handle = client
        .start(
            TimerWorkflow::run,
            (1500, 2),
            StartOptions::new(&id, &queue),
        )
        .await
        .expect("start");
    first_event(handle.untyped(), EventType::TimerStarted).await;
    before.stop().await.expect("clean shutdown");

    // The new code meets the running workflow when its timer fires.
    let after = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<ChangedTimerWorkflow>()
            .activity(crate::workflows::echo),
    );
    let recorded = workflow_task_failure(handle.untyped()).await;
    assert!(
        recorded.starts_with("[TMPRL1100] Nondeterminism error"),
        "{recorded}"
    );
    let logged = eventually(PATIENCE, "the worker's warning", || async {
        // Core's own warning of the failed task carries the message too, as a field.
        let lines = warnings_containing(&recorded);
        lines
            .into_iter()
            .find(|line| !line.starts_with("Failing workflow task"))
            .ok_or("not logged yet")
    })
    .await;
    assert!(
        logged.contains(&format!("workflow id `{id}`")),
        "the warning names the run: {logged}"
    );
    assert!(logged.contains("does not match its history"), "{logged}");
    handle.terminate("test over").await.expect("terminate");
    after.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn a_replay_stuck_in_blocking_code_fails_as_a_deadlock_without_waiting_for_it() {
    let client = client().await;
    let queue = task_queue("replay-deadlock");
    let worker = RunningWorker::start(Worker::new(&client, &queue).workflow::<TimerWorkflow>());
    let id = format!("{queue}-timers");
    client
        .execute(TimerWorkflow::run, (10, 1), StartOptions::new(&id, &queue))
        .await
        .expect("the original code runs");
    worker.stop().await.expect("clean shutdown");
    let history = client
        .handle::<TimerWorkflow>(&id)
        .fetch_history()
        .await
        .expect("history");

    // Each replay's thread blocks for a minute; the watchdog fails its task after the default
    // two seconds, a fresh thread finishes the replay, and the next replay starts.
    let started = std::time::Instant::now();
    let report = Replayer::new()
        .workflow::<BlockingTimerWorkflow>()
        .replay_all([history.clone(), history])
        .await;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "the replays end before the first blocked thread wakes up"
    );
    let failures: Vec<_> = report.failures().collect();
    assert_eq!(failures.len(), 2, "{failures:?}");
    for (workflow_id, error) in failures {
        assert_eq!(workflow_id, id);
        let ReplayError::TaskFailed { message, .. } = error else {
            panic!("a deadlock, not {error:?}");
        };
        for expected in [
            "[TMPRL1101] Potential deadlock detected",
            "workflow `TimerWorkflow`",
            "did not yield within 2s while running `run`",
        ] {
            assert!(message.contains(expected), "{expected:?} in {message}");
        }
    }
}
