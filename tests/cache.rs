//! Workflows evicted from the worker's cache are rebuilt by replay and finish with the same
//! result, without running their activities again.

use std::sync::atomic::Ordering;

use tests::{RunningWorker, client, task_queue};
use workflow_runtime::{StartOptions, Worker};

use crate::workflows::{PROBE_ECHOES, ReplayProbe, counted_echo};

async fn run_probes(cache_size: usize, label: &str) {
    let client = client().await;
    let queue = task_queue(label);
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<ReplayProbe>()
            .activity(counted_echo)
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
        let history = handle.history().await.expect("history");
        assert!(
            !history.iter().any(|e| matches!(
                e.attributes,
                Some(workflow_runtime::protos::temporal::api::history::v1::history_event::Attributes::WorkflowTaskFailedEventAttributes(_))
            )),
            "no workflow task failed (no nondeterminism after replay)"
        );
    }
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn evicted_workflows_replay_to_the_same_result() {
    let before = PROBE_ECHOES.load(Ordering::SeqCst);
    // Cache of one run for six concurrent workflows: runs are evicted all the time.
    run_probes(1, "cache-one").await;
    // No cache: every workflow task replays the history from the start.
    run_probes(0, "cache-none").await;
    let echoes = PROBE_ECHOES.load(Ordering::SeqCst) - before;
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
