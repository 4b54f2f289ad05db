//! The testing tools: a mocked activity replaces the real one on a worker while the others
//! run for real (dev server), and the time-skipping test server runs days of workflow time in
//! seconds.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicU32, Ordering},
    },
    time::{Duration, Instant},
};

use examples::{
    approval_workflow::{ApprovalRequest, ApprovalWorkflow, DecidedBy},
    order_workflow::{OrderActivities, OrderStatus, OrderWorkflow, Payment, PaymentRequest},
};
use tests::{
    PATIENCE, RunningWorker, client, eventually,
    fixtures::{PAYMENT_LIMIT_CENTS, UNIT_PRICE_CENTS, order, order_activities, order_worker},
    task_queue,
};
use workflow_runtime::{prelude::*, testing::TestEnvironment};

#[tokio::test]
async fn a_mocked_payment_approves_an_order_the_real_gateway_would_decline() {
    let client = client().await;
    let queue = task_queue("mocked-payment");
    let activities = order_activities();
    let charged = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&charged);
    let worker = RunningWorker::start(order_worker(&client, &queue, &activities).mock_activity(
        OrderActivities::charge_payment,
        move |request: PaymentRequest| {
            let seen = Arc::clone(&seen);
            async move {
                seen.lock().expect("charges").push(request.amount_cents);
                Ok(Payment {
                    transaction_id: format!("mock-{}", request.order_id),
                    amount_cents: request.amount_cents,
                })
            }
        },
    ));
    let quantity = 30;
    assert!(
        u64::from(quantity) * UNIT_PRICE_CENTS > PAYMENT_LIMIT_CENTS,
        "the real gateway declines this order"
    );
    let id = format!("{queue}-big");
    let result = client
        .execute(
            OrderWorkflow::run,
            order(&id, quantity),
            StartOptions::new(&id, &queue),
        )
        .await
        .expect("the mocked payment goes through");
    assert_eq!(result.status, OrderStatus::Completed);
    assert_eq!(result.transaction_id, format!("mock-{id}"));
    assert_eq!(*charged.lock().expect("charges"), [30_000]);
    // The other activities ran for real: the stock was reserved and the order shipped.
    assert!(result.reservation_id.starts_with("rsv-"), "{result:?}");
    assert_eq!(activities.journal(), [format!("ship {id} Lyon")]);
    worker.stop().await.expect("clean shutdown");
}

// ---------------------------------------------------------------------------------------------
// Time skipping.

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

#[tokio::test]
async fn the_approval_workflow_s_real_24_hour_timeout_passes_in_seconds() {
    let started = Instant::now();
    let env = TestEnvironment::time_skipping().await.expect("test server");
    let startup = started.elapsed();
    let worker = RunningWorker::start(env.worker("approvals").workflow::<ApprovalWorkflow>());
    let before = env.now().await.expect("clock");
    let run_started = Instant::now();
    let decision = env
        .client()
        .execute(
            ApprovalWorkflow::run,
            ApprovalRequest {
                description: "a new laptop".into(),
                timeout_seconds: 86_400,
            },
            StartOptions::new("approval-24h", "approvals"),
        )
        .await
        .expect("decided");
    let after = env.now().await.expect("clock");
    eprintln!(
        "time-skipping server up in {startup:?}; 24 h approval timeout in {:?}",
        run_started.elapsed()
    );
    assert_eq!(decision.decided_by, DecidedBy::Timeout);
    assert!(!decision.approved);
    let skipped = after
        .duration_since(before)
        .expect("the clock moved forward");
    assert!(
        skipped >= Duration::from_secs(86_400),
        "skipped {skipped:?}"
    );
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn two_hours_ahead_the_hourly_activity_has_run_twice() {
    let env = TestEnvironment::time_skipping().await.expect("test server");
    let ticks = Arc::new(Ticks::default());
    let worker = RunningWorker::start(
        env.worker("hourly")
            .workflow::<Hourly>()
            .shared_activities(Arc::clone(&ticks)),
    );
    let started = Instant::now();
    env.client()
        .start(Hourly::run, 10, StartOptions::new("hourly-1", "hourly"))
        .await
        .expect("start");
    env.sleep(Duration::from_secs(2 * 3600 + 60))
        .await
        .expect("skip two hours");
    eventually(PATIENCE, "two ticks", || async {
        match ticks.count.load(Ordering::SeqCst) {
            2 => Ok(()),
            other => Err(other),
        }
    })
    .await;
    eprintln!("two hours of an hourly loop in {:?}", started.elapsed());
    worker.stop().await.expect("clean shutdown");
    assert_eq!(
        ticks.count.load(Ordering::SeqCst),
        2,
        "time stood still since"
    );
}

#[tokio::test]
async fn with_automatic_skipping_paused_the_clock_stands_still_until_the_test_moves_it() {
    let env = TestEnvironment::time_skipping().await.expect("test server");
    let ticks = Arc::new(Ticks::default());
    let worker = RunningWorker::start(
        env.worker("paused")
            .workflow::<Hourly>()
            .shared_activities(Arc::clone(&ticks)),
    );
    let handle = env
        .client()
        .start(Hourly::run, 1, StartOptions::new("paused-1", "paused"))
        .await
        .expect("start");
    let before = env.now().await.expect("clock");
    let waited = env
        .without_time_skipping(tokio::time::timeout(
            Duration::from_millis(500),
            handle.result(),
        ))
        .await;
    assert!(
        waited.is_err(),
        "the hour did not pass while skipping was paused"
    );
    assert_eq!(ticks.count.load(Ordering::SeqCst), 0);
    assert!(env.now().await.expect("clock") < before + Duration::from_secs(3600));
    // Waiting on the result with skipping on again lets the hour pass.
    assert_eq!(handle.result().await.expect("completes"), 1);
    assert_eq!(ticks.count.load(Ordering::SeqCst), 1);
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn the_local_environment_offers_the_same_interface_in_real_time() {
    let started = Instant::now();
    let env = TestEnvironment::local().await.expect("dev server");
    eprintln!("dev server up in {:?}", started.elapsed());
    assert!(!env.skips_time());
    let before = env.now().await.expect("clock");
    env.sleep(Duration::from_millis(20)).await.expect("sleeps");
    assert!(env.now().await.expect("clock") >= before + Duration::from_millis(20));
    let worker = RunningWorker::start(env.worker("local-approvals").workflow::<ApprovalWorkflow>());
    let decision = env
        .client()
        .execute(
            ApprovalWorkflow::run,
            ApprovalRequest {
                description: "a chair".into(),
                timeout_seconds: 0,
            },
            StartOptions::new("approval-local", "local-approvals"),
        )
        .await
        .expect("decided");
    assert_eq!(decision.decided_by, DecidedBy::Timeout);
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
