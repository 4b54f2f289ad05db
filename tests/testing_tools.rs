//! The time-skipping test server beyond what the testing guide's examples show
//! (`examples/tests/testing_guide.rs`, which also checks the clock after a driven activity
//! timeout): the server's lock count stays balanced after a result wait the test gave up on,
//! and a worker on the test server logs no warning about the server's capabilities.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use examples::hourly_workflow::{Hourly, Ticks};
use tests::{RunningWorker, eventually, history_events, init_tracing, warnings_containing};
use workflow_runtime::{
    prelude::*, protos::temporal::api::enums::v1::EventType, testing::TestEnvironment,
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
