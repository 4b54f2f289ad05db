//! Deadlock detection: workflow code that blocks its thread fails its workflow task with a
//! message naming the workflow, and the other runs on the worker keep going.

use std::{sync::atomic::Ordering, time::Duration};

use tests::{
    PATIENCE, RunningWorker, client, eventually, history_events, task_queue, workflow_task_failure,
};
use workflow_runtime::{StartOptions, Worker, protos::temporal::api::enums::v1::EventType};

use crate::workflows::*;

/// How long the blocked run holds its thread each time it runs.
const BLOCKED_FOR: Duration = Duration::from_secs(60);

#[tokio::test]
async fn a_run_that_blocks_its_thread_fails_as_a_deadlock_and_twenty_others_finish() {
    let client = client().await;
    let queue = task_queue("deadlock");
    // Two threads, so that about half of the other runs share the blocked run's thread.
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<BlocksItsThread>()
            .workflow::<ShortErrand>()
            .activity(echo_number)
            .workflow_threads(2),
    );
    let naps_before = BLOCKED_NAPS.load(Ordering::SeqCst);
    let blocked = client
        .start(
            BlocksItsThread::run,
            BLOCKED_FOR.as_secs(),
            StartOptions::new(format!("{queue}-blocked"), &queue),
        )
        .await
        .expect("start the blocked run");
    eventually(PATIENCE, "the blocked run to block its thread", || async {
        match BLOCKED_NAPS.load(Ordering::SeqCst) > naps_before {
            true => Ok(()),
            false => Err("not yet"),
        }
    })
    .await;

    let mut others = Vec::new();
    for n in 0..20 {
        let handle = client
            .start(
                ShortErrand::run,
                n,
                StartOptions::new(format!("{queue}-other-{n}"), &queue),
            )
            .await
            .expect("start another run");
        others.push(handle);
    }
    // Well within the time the blocked run holds its thread, every other run completes.
    let budget = BLOCKED_FOR / 3;
    eventually(budget, "the twenty other runs to complete", || async {
        let mut open = Vec::new();
        for handle in &others {
            let done =
                history_events(handle.untyped(), EventType::WorkflowExecutionCompleted).await;
            if done.is_empty() {
                open.push(handle.workflow_id().to_owned());
            }
        }
        if open.is_empty() { Ok(()) } else { Err(open) }
    })
    .await;
    for (n, handle) in others.iter().enumerate() {
        assert_eq!(handle.result().await.expect("result"), n as i64);
    }

    // The blocked run's task failed with a message naming the deadlock and the run.
    let message = workflow_task_failure(blocked.untyped()).await;
    let run_id = blocked.run_id().expect("a started run has a run id");
    for expected in [
        "[TMPRL1101] Potential deadlock detected".to_owned(),
        format!(
            "workflow `BlocksItsThread` (workflow id `{}`, run id `{run_id}`)",
            blocked.workflow_id()
        ),
        "did not yield within 2s while running `run`".to_owned(),
    ] {
        assert!(message.contains(&expected), "{expected:?} in {message}");
    }
    blocked.terminate("test over").await.expect("terminate");
    worker.stop().await.expect("clean shutdown");
}
