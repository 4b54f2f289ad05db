//! The time-skipping test server beyond what the testing guide's examples show
//! (`examples/tests/testing_guide.rs`): the clock's lock count stays balanced after an activity
//! timeout the test drove, and after a result wait the test gave up on.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::{Duration, Instant},
};

use tests::{PATIENCE, RunningWorker, eventually};
use workflow_runtime::{prelude::*, testing::TestEnvironment};

/// Ticks once an hour, calling `tick` each time.
#[derive(Default)]
pub struct Hourly;

#[workflow]
impl Hourly {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, hours: u32) -> WorkflowResult<u32> {
        for _ in 0..hours {
            ctx.sleep(Duration::from_secs(3600)).await?;
            ctx.activity(Ticks::tick, ())
                .options(ActivityOptions::start_to_close(Duration::from_secs(10)))
                .await?;
        }
        Ok(hours)
    }
}

/// Counts the ticks.
#[derive(Debug, Default)]
pub struct Ticks {
    count: AtomicU32,
}

#[activities]
impl Ticks {
    #[activity]
    async fn tick(&self, _ctx: ActivityContext) -> Result<u32, ActivityError> {
        Ok(self.count.fetch_add(1, Ordering::SeqCst) + 1)
    }
}

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

/// Holds its activity until `open` is notified.
#[derive(Debug, Default)]
pub struct Gate {
    open: tokio::sync::Notify,
}

#[activities]
impl Gate {
    #[activity]
    async fn pass(&self, _ctx: ActivityContext) -> Result<(), ActivityError> {
        self.open.notified().await;
        Ok(())
    }
}

#[tokio::test]
async fn a_result_wait_given_up_on_locks_the_clock_again() {
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
    // The running activity holds the clock, so this wait cannot end; the test gives up.
    let gave_up = tokio::time::timeout(Duration::from_millis(200), gated.result()).await;
    assert!(gave_up.is_err(), "the gate is closed");
    gate.open.notify_one();
    gated
        .result()
        .await
        .expect("the lock count is balanced: unlocking again works");
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
    assert_eq!(
        ticks.count.load(Ordering::SeqCst),
        0,
        "the clock stood still"
    );
    assert_eq!(hourly.result().await.expect("the hour passes"), 1);
    worker.stop().await.expect("clean shutdown");
}

/// Runs one activity that heartbeats once, then hangs, under a one-hour heartbeat timeout, and
/// says how it ended.
#[derive(Default)]
pub struct Stalls;

#[workflow]
impl Stalls {
    #[run]
    async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<String> {
        let outcome = ctx
            .activity(Stalling::stall, ())
            .options(
                ActivityOptions::start_to_close(Duration::from_secs(24 * 3600))
                    .heartbeat_timeout(Duration::from_secs(3600))
                    .retry(RetryPolicy::no_retries()),
            )
            .await;
        Ok(match outcome {
            Ok(()) => "completed".to_owned(),
            Err(failed) => format!("{:?}", failed.timeout_kind()),
        })
    }
}

/// An activity that heartbeats once and then waits for its cancellation.
#[derive(Debug, Default)]
pub struct Stalling {
    heartbeats: AtomicU32,
}

#[activities]
impl Stalling {
    #[activity]
    async fn stall(&self, ctx: ActivityContext) -> Result<(), ActivityError> {
        ctx.heartbeat(&1u32)?;
        self.heartbeats.fetch_add(1, Ordering::SeqCst);
        ctx.cancelled().await;
        Err(ActivityError::cancelled())
    }
}

#[tokio::test]
async fn an_activity_that_stops_heartbeating_times_out_after_an_hour_of_test_time() {
    let env = TestEnvironment::time_skipping().await.expect("test server");
    let stalling = Arc::new(Stalling::default());
    let ticks = Arc::new(Ticks::default());
    let worker = RunningWorker::start(
        env.worker("stalls")
            .workflow::<Stalls>()
            .workflow::<Hourly>()
            .shared_activities(Arc::clone(&stalling))
            .shared_activities(Arc::clone(&ticks)),
    );
    let started = Instant::now();
    let handle = env
        .client()
        .start(Stalls::run, (), StartOptions::new("stalls-1", "stalls"))
        .await
        .expect("start");
    // A running activity holds the test server's clock: the test moves it while it waits.
    let (outcome, slept) = tokio::join!(handle.result(), async {
        eventually(PATIENCE, "a heartbeat", || async {
            match stalling.heartbeats.load(Ordering::SeqCst) {
                0 => Err(0),
                _ => Ok(()),
            }
        })
        .await;
        env.sleep(Duration::from_secs(3600 + 60)).await
    });
    eprintln!(
        "a one-hour heartbeat timeout in {:?} of real time",
        started.elapsed()
    );
    slept.expect("the clock moved");
    assert_eq!(
        outcome.expect("the workflow reports the timeout"),
        "Some(Heartbeat)"
    );
    // The clock's lock count is balanced again: time still skips for the next workflow.
    let hours = env
        .client()
        .execute(Hourly::run, 2, StartOptions::new("stalls-after", "stalls"))
        .await
        .expect("two hours pass");
    assert_eq!(hours, 2);
    worker.stop().await.expect("clean shutdown");
}
