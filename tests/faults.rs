//! Worker processes killed with SIGKILL under load: two worker processes serve 200 workflows
//! (three activities and three timers each); one is killed while runs are mid-activity and
//! mid-workflow. Every workflow completes with its result, no activity step is recorded twice,
//! and the runs the dead worker had cached move to the survivor after the sticky queue timeout
//! the workers set. The test prints its figures; it asserts counts, never timings.

use std::{
    process::Stdio,
    sync::{Arc, Mutex},
};

use futures::future::join_all;
use tests::{PATIENCE, client, eventually, lines_containing, server_address, task_queue};
use tokio::io::{AsyncBufReadExt, BufReader};
use workflow_runtime::{
    StartOptions,
    payload::{decode, encode},
    protos::temporal::api::{enums::v1::EventType, history::v1::history_event::Attributes},
};

/// A `fault-worker` process on a task queue.
pub(crate) struct WorkerProcess {
    child: tokio::process::Child,
    /// Its output lines so far.
    output: Arc<Mutex<Vec<String>>>,
    /// Its log lines so far, when they are kept.
    log: Arc<Mutex<Vec<String>>>,
}

/// Keeps the lines `from` writes until it closes.
fn keep_lines(from: impl tokio::io::AsyncRead + Unpin + Send + 'static) -> Arc<Mutex<Vec<String>>> {
    let kept = Arc::new(Mutex::new(Vec::new()));
    let lines = Arc::clone(&kept);
    tokio::spawn(async move {
        let mut reader = BufReader::new(from).lines();
        while let Ok(Some(line)) = reader.next_line().await {
            lines.lock().unwrap_or_else(|e| e.into_inner()).push(line);
        }
    });
    kept
}

impl WorkerProcess {
    async fn start(queue: &str, sticky_queue_timeout_ms: u64) -> Self {
        Self::start_at(server_address(), queue, sticky_queue_timeout_ms, &[]).await
    }

    /// A worker process on the server at `address`; `options` are `RUST_LOG=<filter>`, to
    /// keep its log, and `trap=<activity|task>` (see `bin/fault_worker.rs`).
    pub(crate) async fn start_at(
        address: &str,
        queue: &str,
        sticky_queue_timeout_ms: u64,
        options: &[(&str, &str)],
    ) -> Self {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_fault-worker"));
        command
            .args([address, queue, &sticky_queue_timeout_ms.to_string()])
            .stdout(Stdio::piped())
            .kill_on_drop(true);
        for (option, value) in options {
            match *option {
                "RUST_LOG" => {
                    command.env("RUST_LOG", value).stderr(Stdio::piped());
                }
                "trap" => {
                    command.arg(value);
                }
                other => panic!("no option {other}"),
            }
        }
        let mut child = command.spawn().expect("start a worker process");
        let log = match child.stderr.take() {
            Some(stderr) => keep_lines(stderr),
            None => Arc::default(),
        };
        let output = keep_lines(child.stdout.take().expect("its output"));
        let process = Self { child, output, log };
        process.wait_for("ready").await;
        process
    }

    /// Waits until the process prints a line containing `needle`.
    pub(crate) async fn wait_for(&self, needle: &str) {
        eventually(
            PATIENCE,
            &format!("the worker process to print {needle:?}"),
            || async {
                if lines_containing(&self.output, needle).is_empty() {
                    Err("not yet")
                } else {
                    Ok(())
                }
            },
        )
        .await;
    }

    /// The lines of its kept log that contain `needle`.
    pub(crate) fn logged(&self, needle: &str) -> Vec<String> {
        lines_containing(&self.log, needle)
    }

    /// SIGKILL: no shutdown, no goodbye to the server.
    pub(crate) async fn kill(&mut self) {
        self.child.start_kill().expect("kill the worker process");
        self.child.wait().await.expect("reap it");
    }
}

#[tokio::test]
async fn a_worker_killed_mid_run_loses_and_duplicates_nothing() {
    const JOBS: u32 = 200;
    let client = client().await;
    let queue = task_queue("faults");
    let sticky_ms = 1_000;
    let mut doomed = WorkerProcess::start(&queue, sticky_ms).await;
    let _survivor = WorkerProcess::start(&queue, sticky_ms).await;

    let started = std::time::Instant::now();
    let handles = join_all((0..JOBS).map(|job| {
        let client = client.clone();
        let queue = queue.clone();
        async move {
            client
                .start_untyped(
                    "FaultJob",
                    vec![encode(&job).expect("encode")],
                    StartOptions::new(format!("{queue}-{job}"), &queue),
                )
                .await
                .expect("start")
        }
    }))
    .await;

    // Kill one worker once work is under way on both, before most of it is done.
    let completed_query = format!("TaskQueue = '{queue}' AND ExecutionStatus = 'Completed'");
    let completed_at_kill = eventually(PATIENCE, "the first workflows to complete", || {
        let client = client.clone();
        let query = completed_query.clone();
        async move {
            let done = client
                .count_workflows(query)
                .await
                .map_err(|e| e.to_string())?;
            if done >= 10 {
                Ok(done)
            } else {
                Err(format!("{done} completed"))
            }
        }
    })
    .await;
    doomed.kill().await;
    let killed_at = started.elapsed();

    let results = join_all(handles.iter().map(|handle| handle.result_payloads())).await;
    let finished_at = started.elapsed();
    let mut lost = 0;
    for (job, result) in (0..JOBS).zip(&results) {
        match result {
            Ok(payloads) => assert_eq!(decode::<u32>(&payloads[0]).expect("decode"), job * 10),
            Err(error) => {
                lost += 1;
                eprintln!("job {job}: {error}");
            }
        }
    }
    let mut duplicated = 0;
    let mut retried_attempts = 0;
    for handle in &handles {
        let events = handle.history().await.expect("history");
        let kind = |wanted: EventType| events.iter().filter(move |e| e.event_type == wanted as i32);
        let completed_steps = kind(EventType::ActivityTaskCompleted).count();
        duplicated += completed_steps.saturating_sub(3);
        duplicated += kind(EventType::WorkflowExecutionCompleted)
            .count()
            .saturating_sub(1);
        retried_attempts += events
            .iter()
            .filter_map(|e| match &e.attributes {
                Some(Attributes::ActivityTaskStartedEventAttributes(started)) => {
                    Some(started.attempt)
                }
                _ => None,
            })
            .filter(|attempt| *attempt > 1)
            .count();
    }
    println!(
        "faults: {JOBS} workflows on 2 worker processes; one killed with SIGKILL at {killed_at:.1?} \
         ({completed_at_kill} completed by then); all finished at {finished_at:.1?}; \
         lost {lost}, duplicated {duplicated}; {retried_attempts} activity attempts retried after the kill; \
         sticky queue timeout {sticky_ms} ms"
    );
    assert_eq!(lost, 0, "every workflow completes");
    assert_eq!(duplicated, 0, "no step is recorded twice");
    assert!(
        completed_at_kill < u64::from(JOBS),
        "the kill came after every workflow had finished: it proved nothing"
    );
}

/// A worker process is killed at a chosen point of one run: inside an activity attempt, or
/// inside a workflow task (after the workflow code ran, before the task's completion reached
/// the server). A second process takes over, and the run completes with each step recorded
/// once: the lost attempt is retried after its timeout, the lost task after its own.
#[tokio::test]
async fn a_worker_killed_inside_an_activity_or_a_workflow_task_loses_nothing() {
    let client = client().await;
    for trap in ["activity", "task"] {
        let queue = task_queue(&format!("trap-{trap}"));
        let mut doomed =
            WorkerProcess::start_at(server_address(), &queue, 1_000, &[("trap", trap)]).await;
        let handle = client
            .start_untyped(
                "FaultJob",
                vec![encode(&7_u32).expect("encode")],
                StartOptions::new(format!("{queue}-trapped"), &queue),
            )
            .await
            .expect("start");
        doomed.wait_for(&format!("trapped mid-{trap}")).await;
        let _survivor = WorkerProcess::start(&queue, 1_000).await;
        let killed = std::time::Instant::now();
        doomed.kill().await;

        let result = handle.result_payloads().await.expect("the run completes");
        assert_eq!(decode::<u32>(&result[0]).expect("decode"), 70);
        let recovered_in = killed.elapsed();
        let events = handle.history().await.expect("history");
        let count = |wanted: EventType| {
            events
                .iter()
                .filter(|event| event.event_type == wanted as i32)
                .count()
        };
        assert_eq!(count(EventType::ActivityTaskCompleted), 3, "each step once");
        assert_eq!(count(EventType::WorkflowExecutionCompleted), 1);
        let evidence = if trap == "activity" {
            let retried = events.iter().any(|event| {
                matches!(
                    &event.attributes,
                    Some(Attributes::ActivityTaskStartedEventAttributes(started)) if started.attempt > 1
                )
            });
            assert!(retried, "the killed attempt was retried");
            "the killed attempt timed out and its retry completed"
        } else {
            assert!(
                count(EventType::WorkflowTaskTimedOut) >= 1,
                "the task the killed worker held timed out"
            );
            "the task it held timed out and was redone"
        };
        println!(
            "faults: killed inside one {trap}; {evidence}; the run completed {recovered_in:.1?} after the kill; \
             lost 0, duplicated 0"
        );
    }
}
