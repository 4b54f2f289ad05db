//! Workflows evicted from the worker's cache are rebuilt by replay and finish with the same
//! result, without running their activities again.

use std::sync::{Arc, atomic::Ordering};

use tests::{RunningWorker, client, history_events, task_queue};
use workflow_runtime::{StartOptions, Worker, protos::temporal::api::enums::v1::EventType};

use crate::workflows::{CountedEcho, ReplayProbe};

async fn run_probes(cache_size: usize, label: &str, echo: &Arc<CountedEcho>) {
    let client = client().await;
    let queue = task_queue(label);
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<ReplayProbe>()
            .shared_activities(Arc::clone(echo))
            .max_cached_workflows(cache_size),
    );
    let rounds = 4;
    let mut handles = Vec::new();
    for i in 0..6 {
        let id = format!("{queue}-{i}");
        handles.push(
            client
                .start(ReplayProbe::run, rounds, StartOptions::new(&id, &queue))
                .await
                .expect("start"),
        );
    }
    for handle in &handles {
        let report = handle
            .result()
            .await
            .expect("probe completes after replays");
        assert_eq!(report.info_id, handle.workflow_id());
        assert_eq!(
            report.steps,
            (0..rounds)
                .map(|r| format!("round {r}"))
                .collect::<Vec<_>>()
        );
        assert_eq!(report.randoms.len(), rounds as usize + 1);
        // The history holds the one true run: every random number and the UUID the client
        // sees came from that run's seed, whatever replays happened in between.
        let failed = history_events(handle.untyped(), EventType::WorkflowTaskFailed).await;
        assert!(
            failed.is_empty(),
            "no workflow task failed (no nondeterminism after replay)"
        );
    }
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn evicted_workflows_replay_to_the_same_result() {
    let echo = Arc::new(CountedEcho::default());
    // Cache of one run for six concurrent workflows: runs are evicted all the time.
    run_probes(1, "cache-one", &echo).await;
    // No cache: every workflow task replays the history from the start.
    run_probes(0, "cache-none", &echo).await;
    let echoes = echo.calls.load(Ordering::SeqCst);
    assert_eq!(echoes, 2 * 6 * 4, "replays never run activities again");
}

#[tokio::test]
async fn workflow_log_lines_are_not_repeated_on_replay() {
    use crate::workflows::ChattyWorkflow;
    let client = client().await;
    let queue = task_queue("chatty");
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<ChattyWorkflow>()
            .max_cached_workflows(0),
    );
    let steps = client
        .execute(ChattyWorkflow::run, 4, StartOptions::new(&queue, &queue))
        .await
        .expect("workflow result");
    assert_eq!(steps, 4);
    for step in 0..4 {
        let line = format!("{queue} step {step}");
        assert_eq!(
            tests::logged(&line),
            1,
            "`{line}` logged once although replayed"
        );
    }
    worker.stop().await.expect("clean shutdown");
}
