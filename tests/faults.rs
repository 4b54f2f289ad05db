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
use tests::{PATIENCE, client, eventually, server_address, task_queue};
use tokio::io::{AsyncBufReadExt, BufReader};
use workflow_runtime::{
    StartOptions,
    payload::{decode, encode},
    protos::temporal::api::{enums::v1::EventType, history::v1::history_event::Attributes},
};

/// A `fault-worker` process on a task queue.
pub(crate) struct WorkerProcess {
    child: tokio::process::Child,
    /// Its log lines so far, when they are kept.
    log: Arc<Mutex<Vec<String>>>,
}

impl WorkerProcess {
    async fn start(queue: &str, sticky_queue_timeout_ms: u64) -> Self {
        Self::start_at(server_address(), queue, sticky_queue_timeout_ms, None).await
    }

    /// A worker process on the server at `address`, whose log (`RUST_LOG` = `log_filter`) is
    /// kept when a filter is given.
    pub(crate) async fn start_at(
        address: &str,
        queue: &str,
        sticky_queue_timeout_ms: u64,
        log_filter: Option<&str>,
    ) -> Self {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_fault-worker"));
        command
            .args([address, queue, &sticky_queue_timeout_ms.to_string()])
            .stdout(Stdio::piped())
            .kill_on_drop(true);
        if let Some(filter) = log_filter {
            command.env("RUST_LOG", filter).stderr(Stdio::piped());
        }
        let mut child = command.spawn().expect("start a worker process");
        let log = Arc::new(Mutex::new(Vec::new()));
        if let Some(stderr) = child.stderr.take() {
            let log = Arc::clone(&log);
            tokio::spawn(async move {
                let mut lines = BufReader::new(stderr).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    log.lock().unwrap_or_else(|e| e.into_inner()).push(line);
                }
            });
        }
        let stdout = child.stdout.take().expect("its output");
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next_line().await.expect("read its output");
        assert_eq!(
            first.as_deref(),
            Some("ready"),
            "the worker process did not start"
        );
        Self { child, log }
    }

    /// The lines of its kept log that contain `needle`.
    pub(crate) fn logged(&self, needle: &str) -> Vec<String> {
        self.log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|line| line.contains(needle))
            .cloned()
            .collect()
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
