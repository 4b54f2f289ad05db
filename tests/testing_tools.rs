//! The time-skipping test server beyond what the testing guide's examples show
//! (`examples/tests/testing_guide.rs`, which also checks the clock after a driven activity
//! timeout): the server's lock count stays balanced after a result wait the test gave up on,
//! and a worker on the test server logs no warning about the server's capabilities. The
//! replay check of test workers: a run whose code takes another path on replay fails the
//! worker's stop, and the check can be turned off.

use std::{
    collections::BTreeSet,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use examples::hourly_workflow::{Hourly, Ticks};
use tests::{RunningWorker, eventually, history_events, init_tracing, warnings_containing};
use workflow_runtime::{
    prelude::*, protos::temporal::api::enums::v1::EventType, replay::ReplayError,
    testing::TestEnvironment,
};

/// Runs one activity that waits until the test opens its gate.
#[derive(Default)]
pub struct Gated;

#[workflow]
impl Gated {
    #[run]
    async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        ctx.activity(Gate::pass, ())
            .options(ActivityOptions::start_to_close(Duration::from_secs(60)))
            .await?;
        Ok(())
    }
}

/// Holds its activity until the test opens the gate; counts the attempts that started.
#[derive(Debug)]
pub struct Gate {
    open: tokio::sync::watch::Sender<bool>,
    started: AtomicUsize,
}

impl Default for Gate {
    fn default() -> Self {
        Self {
            open: tokio::sync::watch::Sender::new(false),
            started: AtomicUsize::new(0),
        }
    }
}

#[activities]
impl Gate {
    #[activity]
    async fn pass(&self, _ctx: ActivityContext) -> Result<(), ActivityError> {
        self.started.fetch_add(1, Ordering::SeqCst);
        // The gate stays open once opened, so any attempt passes it.
        let _ = self.open.subscribe().wait_for(|open| *open).await;
        Ok(())
    }
}

#[tokio::test]
async fn a_result_wait_given_up_on_locks_the_clock_again() {
    init_tracing();
    let env = TestEnvironment::time_skipping().await.expect("test server");
    let ticks = Arc::new(Ticks::default());
    let gate = Arc::new(Gate::default());
    let worker = RunningWorker::start(
        env.worker("given-up")
            .workflow::<Gated>()
            .workflow::<Hourly>()
            .shared_activities(Arc::clone(&ticks))
            .shared_activities(Arc::clone(&gate)),
    );
    let gated = env
        .client()
        .start(Gated::run, (), StartOptions::new("gated", "given-up"))
        .await
        .expect("start");
    // Once the activity runs it holds the clock, so this wait cannot end; the test gives up.
    // (Before it runs, an unlocked clock could skip past its timeout.)
    eventually(
        Duration::from_secs(30),
        "the gated activity to start",
        || async {
            match gate.started.load(Ordering::SeqCst) {
                0 => Err("not started"),
                _ => Ok(()),
            }
        },
    )
    .await;
    let gave_up = tokio::time::timeout(Duration::from_millis(200), gated.result()).await;
    assert!(gave_up.is_err(), "the gate is closed");
    gate.open.send_replace(true);
    // The next wait unlocks the clock again; the activity must have completed by then, or the
    // server could skip past the run's timeout in the moment between the activity's end and the
    // next workflow task.
    eventually(
        Duration::from_secs(30),
        "the gated activity to complete",
        || async {
            let completed = history_events(gated.untyped(), EventType::ActivityTaskCompleted).await;
            if completed.is_empty() {
                Err("not yet")
            } else {
                Ok(())
            }
        },
    )
    .await;
    gated
        .result()
        .await
        .expect("the lock count is balanced: unlocking again works");
    assert_eq!(
        gate.started.load(Ordering::SeqCst),
        1,
        "the clock stood still while the activity ran, so its one attempt did not time out"
    );
    // Had the abandoned wait left the clock unlocked, this hour would pass at once.
    let hourly = env
        .client()
        .start(
            Hourly::run,
            1,
            StartOptions::new("hourly-after", "given-up"),
        )
        .await
        .expect("start");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(ticks.count(), 0, "the clock stood still");
    assert_eq!(hourly.result().await.expect("the hour passes"), 1);
    worker.stop().await.expect("clean shutdown");
    // The test server lacks a capability every real server has; core's warning about it is
    // one the test author cannot act on, so a worker on the test server does not log it.
    let capability = warnings_containing("activity_failure_include_heartbeat");
    assert!(capability.is_empty(), "{capability:?}");
}

/// Whether `key` is seen for the first time in this process: state outside the workflow that
/// the compile-time check cannot see, as a dependency reading the clock or a global would be.
fn first_time(key: &str) -> bool {
    static SEEN: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    SEEN.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(key.to_owned())
}

/// Sleeps a minute the first time it runs in this process and not on replay: its replay
/// diverges from its history.
#[derive(Default)]
pub struct SleepsOnce;

#[workflow]
impl SleepsOnce {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, key: String) -> WorkflowResult<()> {
        if first_time(&key) {
            ctx.sleep(Duration::from_secs(60)).await?;
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_test_worker_replays_the_runs_it_closed_and_fails_its_stop_on_a_divergence() {
    init_tracing();
    let env = TestEnvironment::time_skipping().await.expect("test server");
    let ticks = Arc::new(Ticks::default());
    let worker = RunningWorker::start(
        env.worker("replayed")
            .workflow::<SleepsOnce>()
            .workflow::<Hourly>()
            .shared_activities(Arc::clone(&ticks)),
    );
    let client = env.client();
    client
        .execute(
            SleepsOnce::run,
            "replayed".to_owned(),
            StartOptions::new("sleeps-once", "replayed"),
        )
        .await
        .expect("the run itself completes");
    assert_eq!(
        client
            .execute(
                Hourly::run,
                1,
                StartOptions::new("hourly-replayed", "replayed")
            )
            .await
            .expect("completes"),
        1
    );
    let stopped = worker.stop().await;
    let Err(WorkerError::NotReplayed(check)) = &stopped else {
        panic!("the divergent run fails the stop: {stopped:?}");
    };
    assert_eq!(check.checked(), 2, "both closed runs were replayed");
    let failures: Vec<_> = check.failures().collect();
    assert_eq!(failures.len(), 1, "{check}");
    let (workflow_id, _run_id, error) = failures[0];
    assert_eq!(workflow_id, "sleeps-once");
    assert!(
        matches!(error, ReplayError::Nondeterminism(_)),
        "a divergence, named by the replayer: {error}"
    );
    // What a test's `expect` prints: the run and the replayer's message.
    let shown = format!("{check:?}");
    assert!(
        shown.contains("sleeps-once") && shown.contains(&error.to_string()),
        "{shown}"
    );
}

#[tokio::test]
async fn the_replay_check_of_a_test_worker_can_be_turned_off() {
    init_tracing();
    let env = TestEnvironment::time_skipping().await.expect("test server");
    let worker = RunningWorker::start(
        env.worker("not-replayed")
            .workflow::<SleepsOnce>()
            .replay_closed_runs(false),
    );
    env.client()
        .execute(
            SleepsOnce::run,
            "not-replayed".to_owned(),
            StartOptions::new("sleeps-once-unchecked", "not-replayed"),
        )
        .await
        .expect("completes");
    worker.stop().await.expect("not replayed, so no divergence");
}
