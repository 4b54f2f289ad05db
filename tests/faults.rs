//! Worker processes killed with SIGKILL under load: two worker processes serve 200 workflows
//! (three activities and three timers each); one is killed while runs are mid-activity and
//! mid-workflow. Every workflow completes with its result, no activity step is recorded twice,
//! and the runs the dead worker had cached move to the survivor after the sticky queue timeout
//! the workers set. The test prints its figures; it asserts counts, never timings.

use std::process::Stdio;

use futures::future::join_all;
use tests::{PATIENCE, client, eventually, server_address, task_queue};
use tokio::io::{AsyncBufReadExt, BufReader};
use workflow_runtime::{
    StartOptions,
    payload::{decode, encode},
    protos::temporal::api::{enums::v1::EventType, history::v1::history_event::Attributes},
};

/// A `fault-worker` process on a task queue.
struct WorkerProcess {
    child: tokio::process::Child,
}

impl WorkerProcess {
    async fn start(queue: &str, sticky_queue_timeout_ms: u64) -> Self {
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_fault-worker"))
            .args([
                server_address(),
                queue,
                &sticky_queue_timeout_ms.to_string(),
            ])
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start a worker process");
        let stdout = child.stdout.take().expect("its output");
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next_line().await.expect("read its output");
        assert_eq!(
            first.as_deref(),
            Some("ready"),
            "the worker process did not start"
        );
        Self { child }
    }

    /// SIGKILL: no shutdown, no goodbye to the server.
    async fn kill(&mut self) {
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
