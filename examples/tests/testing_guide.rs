//! The examples of the testing guide (`docs/testing.md`), runnable:
//! `cargo test -p examples --test examples testing_guide`. Each test shows one tool of
//! `workflow_runtime::testing` or `workflow_runtime::replay`, using only the public API, on a
//! real Temporal server that the test starts itself.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use examples::{
    approval_workflow::{ApprovalRequest, ApprovalWorkflow, DecidedBy},
    hourly_workflow::{Hourly, Ticks},
    order_workflow::{
        Address, LineItem, OrderActivities, OrderInput, OrderStatus, OrderWorkflow, Payment,
        PaymentRequest,
    },
};
use workflow_runtime::{
    ActivityInfo, CancellationReason, TimeoutKind,
    prelude::*,
    replay::{Replayer, WorkflowHistory},
    testing::{ActivityEnvironment, TestEnvironment},
};

/// Waits until `done` holds, checking every 10 ms, for at most 30 s.
async fn until(done: impl Fn() -> bool) {
    tokio::time::timeout(Duration::from_secs(30), async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("in time");
}

fn order(id: &str, quantity: u32) -> OrderInput {
    OrderInput {
        order_id: id.to_owned(),
        customer_id: "alice".to_owned(),
        items: vec![LineItem {
            sku: "WIDGET".to_owned(),
            quantity,
            unit_price_cents: 1_000,
        }],
        shipping_address: Address {
            street: "1 Old Road".to_owned(),
            city: "Lyon".to_owned(),
        },
        hold_seconds: 0,
    }
}

fn order_activities() -> Arc<OrderActivities> {
    Arc::new(OrderActivities::new(20_000, [("WIDGET".to_owned(), 50)]))
}

// ---------------------------------------------------------------------------------------------
// Time skipping.

#[tokio::test]
async fn a_day_long_approval_timeout_passes_in_milliseconds() {
    let env = TestEnvironment::time_skipping().await.expect("test server");
    let worker = RunningWorker::start(env.worker("approvals").workflow::<ApprovalWorkflow>());
    let before = env.now().await.expect("clock");
    let decision = env
        .client()
        .execute(
            ApprovalWorkflow::run,
            ApprovalRequest {
                description: "a new laptop".into(),
                timeout_seconds: 24 * 3600,
            },
            StartOptions::new("approval-1", "approvals"),
        )
        .await
        .expect("decided");
    assert_eq!(decision.decided_by, DecidedBy::Timeout);
    let waited = env.now().await.expect("clock").duration_since(before);
    assert!(waited.is_ok_and(|d| d >= Duration::from_secs(24 * 3600)));
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn two_hours_ahead_an_hourly_loop_has_ticked_twice() {
    let env = TestEnvironment::time_skipping().await.expect("test server");
    let ticks = Arc::new(Ticks::default());
    let worker = RunningWorker::start(
        env.worker("hourly")
            .workflow::<Hourly>()
            .shared_activities(Arc::clone(&ticks)),
    );
    env.client()
        .start(Hourly::run, 10, StartOptions::new("hourly-1", "hourly"))
        .await
        .expect("start");
    env.sleep(Duration::from_secs(2 * 3600 + 60))
        .await
        .expect("two hours later");
    until(|| ticks.count() == 2).await;
    worker.stop().await.expect("clean shutdown");
    assert_eq!(ticks.count(), 2, "and not a third");
}

#[tokio::test]
async fn with_skipping_paused_the_clock_waits_for_the_test() {
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
    let waited = env
        .without_time_skipping(tokio::time::timeout(
            Duration::from_millis(500),
            handle.result(),
        ))
        .await;
    assert!(waited.is_err(), "the hour did not pass");
    assert_eq!(handle.result().await.expect("completes"), 1);
    worker.stop().await.expect("clean shutdown");
}

/// Runs one activity that stops heartbeating, under a one-hour heartbeat timeout.
#[derive(Debug, Default)]
pub struct Stalls;

#[workflow]
impl Stalls {
    #[run]
    async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<Option<TimeoutKind>> {
        let outcome = ctx
            .activity(Stalling::stall, ())
            .options(
                ActivityOptions::start_to_close(Duration::from_secs(24 * 3600))
                    .heartbeat_timeout(Duration::from_secs(3600))
                    .retry(RetryPolicy::no_retries()),
            )
            .await;
        Ok(outcome.err().and_then(|failed| failed.timeout_kind()))
    }
}

/// Heartbeats once, then waits for its cancellation.
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
async fn an_hour_without_heartbeats_times_the_activity_out() {
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
    let handle = env
        .client()
        .start(Stalls::run, (), StartOptions::new("stalls-1", "stalls"))
        .await
        .expect("start");
    // A running activity holds the server's clock: the test moves it while it waits.
    let (timeout, moved) = tokio::join!(handle.result(), async {
        until(|| stalling.heartbeats.load(Ordering::SeqCst) == 1).await;
        env.sleep(Duration::from_secs(3600 + 60)).await
    });
    moved.expect("the clock moved");
    assert_eq!(timeout.expect("reported"), Some(TimeoutKind::Heartbeat));
    // Afterwards time still skips as usual: the server's lock count is balanced.
    let hours = env
        .client()
        .execute(Hourly::run, 2, StartOptions::new("after-stalls", "stalls"))
        .await
        .expect("two hours pass");
    assert_eq!((hours, ticks.count()), (2, 2));
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn the_local_environment_runs_the_same_test_in_real_time() {
    let env = TestEnvironment::local().await.expect("dev server");
    assert!(!env.skips_time());
    let before = env.now().await.expect("clock");
    env.sleep(Duration::from_millis(20)).await.expect("sleeps");
    assert!(env.now().await.expect("clock") >= before + Duration::from_millis(20));
    let worker = RunningWorker::start(env.worker("approvals").workflow::<ApprovalWorkflow>());
    let decision = env
        .client()
        .execute(
            ApprovalWorkflow::run,
            ApprovalRequest {
                description: "a chair".into(),
                timeout_seconds: 1,
            },
            StartOptions::new("approval-local", "approvals"),
        )
        .await
        .expect("decided");
    assert_eq!(decision.decided_by, DecidedBy::Timeout);
    worker.stop().await.expect("clean shutdown");
}

// ---------------------------------------------------------------------------------------------
// Mocked activities.

#[tokio::test]
async fn a_mocked_payment_lets_an_order_through_and_the_other_activities_run_for_real() {
    let env = TestEnvironment::time_skipping().await.expect("test server");
    let activities = order_activities();
    let charged = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&charged);
    let worker = RunningWorker::start(
        env.worker("orders")
            .workflow::<OrderWorkflow>()
            .shared_activities(Arc::clone(&activities))
            .mock_activity(
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
            ),
    );
    // 30 units at 10.00 each: over the real gateway's limit.
    let result = env
        .client()
        .execute(
            OrderWorkflow::run,
            order("big-order", 30),
            StartOptions::new("big-order", "orders"),
        )
        .await
        .expect("the mocked payment goes through");
    assert_eq!(result.status, OrderStatus::Completed);
    assert_eq!(result.transaction_id, "mock-big-order");
    assert_eq!(*charged.lock().expect("charges"), [30_000]);
    assert_eq!(activities.journal(), ["ship big-order Lyon"]);
    worker.stop().await.expect("clean shutdown");
}

// ---------------------------------------------------------------------------------------------
// One activity, without a worker.

/// Counts to `n`, heartbeating its progress; resumes from the last heartbeat of a previous
/// attempt.
#[activity]
async fn count_to(ctx: ActivityContext, n: u32) -> Result<u32, ActivityError> {
    let start = ctx
        .last_heartbeat_details::<u32>()
        .transpose()?
        .unwrap_or(0);
    for i in start + 1..=n {
        if ctx.is_cancelled() {
            return Err(ActivityError::cancelled());
        }
        ctx.heartbeat(&i)?;
    }
    Ok(n - start)
}

#[tokio::test]
async fn an_activity_runs_alone_with_its_heartbeats_info_and_cancellation() {
    let env = ActivityEnvironment::new();
    assert_eq!(env.run(count_to, 3).await.expect("counts"), 3);
    assert_eq!(env.heartbeats::<u32>().expect("decodes"), [1, 2, 3]);

    // A retry resumes where the previous attempt's heartbeats stopped.
    let mut second_attempt = ActivityInfo::default();
    second_attempt.attempt = 2;
    let retry = ActivityEnvironment::new()
        .info(second_attempt)
        .last_heartbeat(&2u32)
        .expect("encodes");
    assert_eq!(retry.run(count_to, 5).await.expect("counts"), 3);
    assert_eq!(retry.heartbeats::<u32>().expect("decodes"), [3, 4, 5]);

    let cancelled = ActivityEnvironment::new();
    cancelled.cancel(CancellationReason::Requested);
    let error = cancelled.run(count_to, 3).await.expect_err("cancelled");
    assert!(error.is_cancelled());
}

// ---------------------------------------------------------------------------------------------
// Replay.

#[tokio::test]
async fn saved_histories_replay_against_the_current_code() {
    let env = TestEnvironment::time_skipping().await.expect("test server");
    let worker = RunningWorker::start(
        env.worker("replayed")
            .workflow::<OrderWorkflow>()
            .shared_activities(order_activities()),
    );
    let handle = env
        .client()
        .start(
            OrderWorkflow::run,
            order("order-7", 2),
            StartOptions::new("order-7", "replayed"),
        )
        .await
        .expect("start");
    handle.result().await.expect("completes");
    worker.stop().await.expect("clean shutdown");

    // Keep the history as the CLI would export it, then replay the whole folder.
    let folder = std::env::temp_dir().join(format!("histories-{}", std::process::id()));
    std::fs::create_dir_all(&folder).expect("folder");
    let history = handle.fetch_history().await.expect("history");
    let json = history.to_json().expect("JSON");
    std::fs::write(folder.join("order-7.json"), &json).expect("saved");
    assert_eq!(
        WorkflowHistory::from_json("order-7", &json).expect("reads back"),
        history
    );
    let replayer = Replayer::new().workflow::<OrderWorkflow>();
    replayer.replay(&history).await.expect("replays");
    let report = replayer.replay_dir(&folder).await.expect("folder reads");
    assert_eq!(report.into_result().expect("all replay"), 1);
    let _ = std::fs::remove_dir_all(&folder);
}
