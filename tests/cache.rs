//! Workflows evicted from the worker's cache are rebuilt by replay and finish with the same
//! result, without running their activities again.

use std::{
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

use tests::{RunningWorker, client, history_events, task_queue};
use workflow_runtime::{
    ActivityOptions, StartOptions, Worker, WorkflowContext, WorkflowResult,
    protos::temporal::api::enums::v1::EventType,
};

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

/// Runs `steps` activities one after the other, then waits for `finish`.
#[derive(Default)]
pub struct LongChain {
    finished: bool,
}

#[workflow_runtime::workflow]
impl LongChain {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, steps: u32) -> WorkflowResult<u32> {
        let mut done = 0;
        for step in 0..steps {
            let echoed = ctx
                .activity(CountedEcho::counted_echo, step.to_string())
                .options(ActivityOptions::start_to_close(Duration::from_secs(10)))
                .await?;
            if echoed == step.to_string() {
                done += 1;
            }
        }
        ctx.wait_condition(|s| s.finished).await?;
        Ok(done)
    }

    #[signal]
    pub fn finish(&mut self) {
        self.finished = true;
    }
}

/// A worker that did not run a workflow rebuilds it from a history longer than one page of
/// the server's history API: core takes the pages one workflow task at a time (the path of
/// `vendor/`'s fix), and the run goes on as if the first worker had never left.
#[tokio::test]
async fn a_history_of_several_pages_replays_on_a_new_worker() {
    let client = client().await;
    let queue = task_queue("long-chain");
    let echo = Arc::new(CountedEcho::default());
    let first = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<LongChain>()
            .shared_activities(Arc::clone(&echo)),
    );
    let steps = 200;
    let handle = client
        .start(LongChain::run, steps, StartOptions::new(&queue, &queue))
        .await
        .expect("start");
    tests::eventually(tests::PATIENCE, "the chain to reach its signal", || async {
        let n = echo.calls.load(Ordering::SeqCst);
        if n == steps {
            Ok(())
        } else {
            Err(format!("{n} of {steps} activities ran"))
        }
    })
    .await;
    first.stop().await.expect("clean shutdown");
    let events = handle.untyped().history().await.expect("history").len();
    // The server sends 256 events per history page unless told otherwise
    // (`frontend.historyMaxPageSize`), and core does not tell it otherwise.
    assert!(
        events > 4 * 256,
        "{events} events: several pages of history"
    );

    let second = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<LongChain>()
            .shared_activities(Arc::clone(&echo)),
    );
    handle.signal(LongChain::finish, ()).await.expect("signal");
    let done = handle.result().await.expect("result after the replay");
    assert_eq!(done, steps, "every step's result came back from history");
    assert_eq!(
        echo.calls.load(Ordering::SeqCst),
        steps,
        "no activity ran again"
    );
    let failed = history_events(handle.untyped(), EventType::WorkflowTaskFailed).await;
    assert!(failed.is_empty(), "the replay matched: {failed:?}");
    second.stop().await.expect("clean shutdown");
}
