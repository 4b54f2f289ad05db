//! The workflow lifecycle against the dev server: cancellation with cleanup, activity
//! cancellation types, child workflows, continue-as-new, signals and cancellations sent to
//! other workflows, and sagas.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use examples::{
    batch_workflow::{OrderBatch, OrderBatchWorkflow},
    order_workflow::{OrderInput, OrderStatus, OrderWorkflow},
    recursive_workflow::RecursiveWorkflow,
    reminders_workflow::{ReminderPlan, ReminderWorkflow, send_reminder},
    saga_workflow::{OrderSagaWorkflow, SagaActivities, SagaOrder},
};
use tests::{
    PATIENCE, RunningWorker, client, eventually,
    fixtures::{order, order_activities, order_worker, wait_until_paid},
    history_events, task_queue,
};
use workflow_runtime::{
    ActivityCancellation, CancellationReason, ChildStartRefused, ClientError,
    ExternalWorkflowFailed, StartOptions, Worker,
    prelude::*,
    protos::temporal::api::{enums::v1::EventType, history::v1::history_event::Attributes},
    testing::TestEnvironment,
};

// ---------------------------------------------------------------------------------------------
// Cancellation of the workflow.

#[tokio::test]
async fn a_cancelled_order_refunds_releases_and_ends_as_cancelled() {
    let client = client().await;
    let queue = task_queue("cancel-order");
    let activities = order_activities();
    let worker = RunningWorker::start(order_worker(&client, &queue, &activities));
    let id = format!("{queue}-1");
    let handle = client
        .start(
            OrderWorkflow::run,
            OrderInput {
                hold_seconds: 600,
                ..order(&id, 3)
            },
            StartOptions::new(&id, &queue),
        )
        .await
        .expect("start");
    wait_until_paid(&handle).await;
    handle.cancel().await.expect("cancel");
    let error = handle.result().await.expect_err("the run is cancelled");
    assert!(
        matches!(error, ClientError::Cancelled { .. }),
        "expected a cancelled run, got {error:?}"
    );
    assert_eq!(
        handle
            .query(OrderWorkflow::get_status, ())
            .await
            .expect("query"),
        OrderStatus::Cancelled
    );
    let journal = activities.journal();
    assert_eq!(journal.len(), 2, "{journal:?}");
    assert!(journal[0].starts_with("refund txn-"), "{journal:?}");
    assert_eq!(journal[1], format!("release {id}"));
    assert_eq!(
        activities.stock.lock().expect("stock")[tests::fixtures::SKU],
        tests::fixtures::STOCK,
        "the reservation was released"
    );
    for kind in [
        EventType::WorkflowExecutionCancelRequested,
        EventType::TimerCanceled,
        EventType::WorkflowExecutionCanceled,
    ] {
        assert_eq!(
            history_events(handle.untyped(), kind).await.len(),
            1,
            "one {kind:?} event"
        );
    }
    worker.stop().await.expect("clean shutdown");
}

/// Waits an hour; a cancellation is noted and the run completes normally.
#[derive(Default)]
pub struct Stubborn;

#[workflow]
impl Stubborn {
    #[run]
    async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<String> {
        match ctx.sleep(Duration::from_secs(3600)).await {
            Ok(()) => Ok("slept".to_owned()),
            Err(cancelled) => Ok(format!(
                "ignored the cancellation ({}); requested: {}",
                cancelled.reason(),
                ctx.is_cancel_requested()
            )),
        }
    }
}

#[tokio::test]
async fn a_workflow_may_complete_normally_after_its_cancellation() {
    let client = client().await;
    let queue = task_queue("stubborn");
    let worker = RunningWorker::start(Worker::new(&client, &queue).workflow::<Stubborn>());
    let handle = client
        .start(Stubborn::run, (), StartOptions::new(&queue, &queue))
        .await
        .expect("start");
    tests::first_event(handle.untyped(), EventType::TimerStarted).await;
    handle.cancel().await.expect("cancel");
    let result = handle.result().await.expect("completes");
    assert!(
        result.starts_with("ignored the cancellation") && result.ends_with("requested: true"),
        "{result}"
    );
    assert_eq!(
        history_events(handle.untyped(), EventType::WorkflowExecutionCompleted)
            .await
            .len(),
        1
    );
    worker.stop().await.expect("clean shutdown");
}

// ---------------------------------------------------------------------------------------------
// Activity cancellation types.

/// Records what one heartbeating activity heard, and holds it until the test releases it.
#[derive(Debug, Default)]
pub struct Probe {
    started: AtomicBool,
    told: AtomicBool,
    stopped: AtomicBool,
    release: AtomicBool,
}

#[activities]
impl Probe {
    /// Heartbeats until released; once told of a cancellation it still waits for the
    /// release, then reports the cancellation.
    #[activity]
    async fn watch(&self, ctx: ActivityContext) -> Result<(), ActivityError> {
        self.started.store(true, Ordering::SeqCst);
        while !self.release.load(Ordering::SeqCst) {
            if ctx.cancellation_reason() == Some(CancellationReason::Requested) {
                self.told.store(true, Ordering::SeqCst);
            } else {
                let _ = ctx.heartbeat(&());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.stopped.store(true, Ordering::SeqCst);
        if self.told.load(Ordering::SeqCst) {
            return Err(ActivityError::cancelled());
        }
        Ok(())
    }

    /// Whether `watch` had stopped.
    #[activity]
    async fn has_stopped(&self, _ctx: ActivityContext) -> Result<bool, ActivityError> {
        Ok(self.stopped.load(Ordering::SeqCst))
    }
}

/// Starts `watch`, cancels it when signalled `stop`, and reports what its await returned and
/// whether the activity had stopped by then; completes when signalled `finish`.
#[derive(Default)]
pub struct CancelProbe {
    stop: bool,
    finish: bool,
}

#[workflow]
impl CancelProbe {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, mode: String) -> WorkflowResult<String> {
        let cancellation = match mode.as_str() {
            "try" => ActivityCancellation::TryCancel,
            "wait" => ActivityCancellation::WaitCancellationCompleted,
            _ => ActivityCancellation::Abandon,
        };
        let options = ActivityOptions::start_to_close(Duration::from_secs(120))
            .heartbeat_timeout(Duration::from_secs(2))
            .cancellation(cancellation);
        let mut watch = ctx
            .activity(Probe::watch, ())
            .options(options)
            .into_future();
        match ctx.select(&mut watch, ctx.wait_condition(|s| s.stop)).await {
            Either::Left(_) => return Err(WorkflowError::application("Early", "watch ended")),
            Either::Right(stop) => stop?,
        }
        watch.cancel();
        let outcome = watch.await;
        let stopped = ctx
            .activity(Probe::has_stopped, ())
            .options(ActivityOptions::start_to_close(Duration::from_secs(10)))
            .await?;
        ctx.wait_condition(|s| s.finish).await?;
        Ok(format!(
            "cancelled: {}, stopped: {stopped}",
            outcome.is_err_and(|failed| failed.is_cancelled())
        ))
    }

    #[signal]
    fn stop(&mut self) {
        self.stop = true;
    }

    #[signal]
    fn finish(&mut self) {
        self.finish = true;
    }
}

/// Runs `CancelProbe` in `mode` and returns its result, the probe, and the history's
/// cancel-request count. Unless the mode abandons the activity, the workflow completes only
/// once the activity heard the cancellation; in `wait` mode the activity is then released,
/// since the workflow's await waits for it to stop.
async fn probe_cancellation(mode: &str) -> (String, Arc<Probe>, usize) {
    let client = client().await;
    let queue = task_queue(&format!("cancel-{mode}"));
    let probe = Arc::new(Probe::default());
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<CancelProbe>()
            .shared_activities(Arc::clone(&probe)),
    );
    let handle = client
        .start(
            CancelProbe::run,
            mode.to_owned(),
            StartOptions::new(&queue, &queue),
        )
        .await
        .expect("start");
    eventually(PATIENCE, "the activity to start", || async {
        probe.started.load(Ordering::SeqCst).then_some(()).ok_or(())
    })
    .await;
    handle.signal(CancelProbe::stop, ()).await.expect("signal");
    if mode != "abandon" {
        eventually(
            PATIENCE,
            "the activity to hear the cancellation",
            || async { probe.told.load(Ordering::SeqCst).then_some(()).ok_or(()) },
        )
        .await;
    }
    if mode == "wait" {
        probe.release.store(true, Ordering::SeqCst);
    }
    handle
        .signal(CancelProbe::finish, ())
        .await
        .expect("signal");
    let result = handle.result().await.expect("the workflow completes");
    let requests = history_events(handle.untyped(), EventType::ActivityTaskCancelRequested)
        .await
        .len();
    probe.release.store(true, Ordering::SeqCst);
    worker.stop().await.expect("clean shutdown");
    (result, probe, requests)
}

#[tokio::test]
async fn try_cancel_returns_at_once_and_the_activity_hears_of_it() {
    let (result, probe, requests) = probe_cancellation("try").await;
    assert_eq!(result, "cancelled: true, stopped: false");
    assert!(probe.told.load(Ordering::SeqCst));
    assert_eq!(requests, 1);
}

#[tokio::test]
async fn wait_cancellation_completed_returns_once_the_activity_stopped() {
    let (result, probe, requests) = probe_cancellation("wait").await;
    assert_eq!(result, "cancelled: true, stopped: true");
    assert!(probe.told.load(Ordering::SeqCst));
    assert_eq!(requests, 1);
}

#[tokio::test]
async fn abandon_returns_at_once_and_never_tells_the_activity() {
    let (result, probe, requests) = probe_cancellation("abandon").await;
    assert_eq!(result, "cancelled: true, stopped: false");
    assert!(!probe.told.load(Ordering::SeqCst));
    assert_eq!(requests, 0, "an abandoned activity gets no cancel request");
}

// ---------------------------------------------------------------------------------------------
// Child workflows.

#[tokio::test]
async fn a_parent_runs_one_order_child_per_order_in_parallel_and_gathers_the_results() {
    let client = client().await;
    let queue = task_queue("batch");
    let activities = order_activities();
    let worker = RunningWorker::start(
        order_worker(&client, &queue, &activities).workflow::<OrderBatchWorkflow>(),
    );
    let orders = vec![
        order(&format!("{queue}-a"), 2),
        order(&format!("{queue}-declined"), 30),
        order(&format!("{queue}-b"), 1),
    ];
    let summary = client
        .execute(
            OrderBatchWorkflow::run,
            OrderBatch { orders },
            StartOptions::new(&queue, &queue),
        )
        .await
        .expect("the batch completes");
    let completed: Vec<&str> = summary
        .completed
        .iter()
        .map(|r| r.order_id.as_str())
        .collect();
    assert_eq!(completed, [format!("{queue}-a"), format!("{queue}-b")]);
    assert_eq!(summary.failed.len(), 1);
    assert_eq!(summary.failed[0].0, format!("{queue}-declined"));
    assert!(
        summary.failed[0].1.contains("declined"),
        "{:?}",
        summary.failed
    );
    // Each child is a workflow of its own, under its order id.
    let child = client.handle::<OrderWorkflow>(&format!("{queue}-b"));
    assert_eq!(
        child.result().await.expect("child result").status,
        OrderStatus::Completed
    );
    let started = history_events(
        client.handle::<OrderBatchWorkflow>(&queue).untyped(),
        EventType::StartChildWorkflowExecutionInitiated,
    )
    .await;
    assert_eq!(started.len(), 3, "three children started");
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn a_recursive_workflow_of_depth_n_returns_n_plus_one() {
    let client = client().await;
    let queue = task_queue("recursive");
    let worker = RunningWorker::start(Worker::new(&client, &queue).workflow::<RecursiveWorkflow>());
    let result = client
        .execute(RecursiveWorkflow::run, 4, StartOptions::new(&queue, &queue))
        .await
        .expect("completes");
    assert_eq!(result, 5);
    worker.stop().await.expect("clean shutdown");
}

/// A child that sleeps an hour and counts pokes. When cancelled it returns the count if it
/// is `stubborn`, and ends as cancelled otherwise; `fail` fails it at once.
#[derive(Default)]
pub struct Sleeper {
    pokes: u32,
}

#[workflow]
impl Sleeper {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, mode: String) -> WorkflowResult<u32> {
        if mode == "fail" {
            return Err(WorkflowError::non_retryable("KidFailed", "the kid gave up"));
        }
        match ctx.sleep(Duration::from_secs(3600)).await {
            Ok(()) => Ok(ctx.state(|s| s.pokes)),
            Err(_) if mode == "stubborn" => {
                ctx.wait_condition(|s| s.pokes > 0).await.ok();
                Ok(ctx.state(|s| s.pokes))
            }
            Err(cancelled) => Err(cancelled.into()),
        }
    }

    #[signal]
    fn poke(&mut self) {
        self.pokes += 1;
    }
}

/// Starts `Sleeper` children as `mode` says and describes what came back.
#[derive(Default)]
pub struct Guardian;

#[workflow]
impl Guardian {
    #[run]
    async fn run(
        ctx: WorkflowContext<Self>,
        mode: String,
        kid_id: String,
    ) -> WorkflowResult<String> {
        let options = ChildWorkflowOptions::new().workflow_id(kid_id.clone());
        let describe = |failed: ChildWorkflowFailed| {
            format!(
                "failed: type {:?}, cancelled {}, timed out {}, terminated {}, refused {:?}",
                failed.error_type(),
                failed.is_cancelled(),
                failed.is_timeout(),
                failed.is_terminated(),
                failed.start_refused()
            )
        };
        Ok(match mode.as_str() {
            "signal-then-cancel" => {
                let kid = ctx
                    .child(Sleeper::run, "stubborn".to_owned())
                    .options(options)
                    .start()
                    .await?;
                kid.signal(Sleeper::poke, ()).await?;
                kid.cancel();
                match kid.result().await {
                    Ok(pokes) => format!("completed with {pokes} poke(s)"),
                    Err(failed) => describe(failed),
                }
            }
            "cancel" => {
                let kid = ctx
                    .child(Sleeper::run, "plain".to_owned())
                    .options(options)
                    .start()
                    .await?;
                kid.cancel();
                kid.result().await.map_or_else(describe, |p| p.to_string())
            }
            "timeout" => ctx
                .child(Sleeper::run, "plain".to_owned())
                .options(options.execution_timeout(Duration::from_secs(1)))
                .await
                .map_or_else(describe, |p| p.to_string()),
            "fail" => ctx
                .child(Sleeper::run, "fail".to_owned())
                .options(options)
                .await
                .map_or_else(describe, |p| p.to_string()),
            "duplicate" => {
                let first = ctx
                    .child(Sleeper::run, "plain".to_owned())
                    .options(options.clone())
                    .start()
                    .await?;
                let second = ctx
                    .child(Sleeper::run, "plain".to_owned())
                    .options(options)
                    .start()
                    .await;
                first.cancel();
                match second {
                    Ok(_) => "the duplicate started".to_owned(),
                    Err(failed) => format!("{} | {}", describe(failed.clone()), failed),
                }
            }
            // The test terminates the child.
            _ => ctx
                .child(Sleeper::run, "plain".to_owned())
                .options(options)
                .await
                .map_or_else(describe, |p| p.to_string()),
        })
    }
}

#[tokio::test]
async fn a_child_s_failure_timeout_termination_and_cancellation_reach_the_parent_typed() {
    let client = client().await;
    let queue = task_queue("guardian");
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<Guardian>()
            .workflow::<Sleeper>(),
    );
    let run = |mode: &'static str| {
        let client = client.clone();
        let queue = queue.clone();
        async move {
            let id = format!("{queue}-{mode}");
            let handle = client
                .start(
                    Guardian::run,
                    (mode.to_owned(), format!("{id}-kid")),
                    StartOptions::new(&id, &queue),
                )
                .await
                .expect("start");
            if mode == "terminate" {
                let kid = client.handle::<Sleeper>(&format!("{id}-kid"));
                eventually(PATIENCE, "the child to start", || async {
                    kid.untyped().history().await.map(|_| ())
                })
                .await;
                kid.terminate("the test ends it").await.expect("terminate");
            }
            handle.result().await.expect("the parent completes")
        }
    };
    let (signalled, cancelled, timed_out, failed, duplicate, terminated) = tokio::join!(
        run("signal-then-cancel"),
        run("cancel"),
        run("timeout"),
        run("fail"),
        run("duplicate"),
        run("terminate"),
    );
    assert_eq!(signalled, "completed with 1 poke(s)");
    assert!(cancelled.contains("cancelled true"), "{cancelled}");
    assert!(timed_out.contains("timed out true"), "{timed_out}");
    assert!(failed.contains(r#"type Some("KidFailed")"#), "{failed}");
    assert!(
        duplicate.contains(&format!(
            "refused {:?}",
            Some(ChildStartRefused::AlreadyExists)
        )) && duplicate.contains("already running"),
        "{duplicate}"
    );
    assert!(terminated.contains("terminated true"), "{terminated}");
    worker.stop().await.expect("clean shutdown");
}

// ---------------------------------------------------------------------------------------------
// Continue-as-new.

#[tokio::test]
async fn the_reminder_loop_continues_as_new_and_the_result_follows_the_chain() {
    let env = TestEnvironment::time_skipping().await.expect("test server");
    let client = env.client();
    let queue = task_queue("reminders-chain");
    let worker = RunningWorker::start(
        env.worker(&queue)
            .workflow::<ReminderWorkflow>()
            .activity(send_reminder),
    );
    let plan = ReminderPlan {
        recipient: "bob".into(),
        interval_ms: 3600 * 1000,
        count: 5,
        per_run: 2,
        sent: Vec::new(),
    };
    let handle = client
        .start(
            ReminderWorkflow::run,
            plan,
            StartOptions::new(&queue, &queue),
        )
        .await
        .expect("start");
    let sent = handle.result().await.expect("the last run completes");
    assert_eq!(
        sent,
        (1..=5)
            .map(|n| format!("reminder {n} for bob"))
            .collect::<Vec<_>>()
    );
    // The first run ended by continuing as new.
    let continued =
        history_events(handle.untyped(), EventType::WorkflowExecutionContinuedAsNew).await;
    assert_eq!(continued.len(), 1);
    worker.stop().await.expect("clean shutdown");
}

/// Continues as new until `runs_left` is zero, then reports what `ctx.info()` says.
#[derive(Default)]
pub struct Chain;

#[workflow]
impl Chain {
    #[run]
    async fn run(
        ctx: WorkflowContext<Self>,
        runs_left: u32,
    ) -> WorkflowResult<(Option<String>, String, u32)> {
        if runs_left > 0 {
            return ctx.continue_as_new(Chain::run, runs_left - 1).await;
        }
        let info = ctx.info();
        Ok((
            info.continued_from_run_id,
            info.first_execution_run_id,
            info.history_length,
        ))
    }
}

#[tokio::test]
async fn info_names_the_run_a_run_continued_from() {
    let env = TestEnvironment::time_skipping().await.expect("test server");
    let client = env.client();
    let queue = task_queue("chain");
    let worker = RunningWorker::start(env.worker(&queue).workflow::<Chain>());
    let handle = client
        .start(Chain::run, 3, StartOptions::new(&queue, &queue))
        .await
        .expect("start");
    let (continued_from, first, history_length) = handle.result().await.expect("completes");
    let first_run = handle.run_id().expect("the start's run id").to_owned();
    assert_eq!(first, first_run);
    let continued_from = continued_from.expect("the last run continued from another");
    assert_ne!(
        continued_from, first_run,
        "three runs: the last continued from the third"
    );
    assert!(history_length >= 3, "history length {history_length}");
    worker.stop().await.expect("clean shutdown");
}

// ---------------------------------------------------------------------------------------------
// Other workflows.

/// Signals `target` by method and by name, tries a missing workflow, then cancels `target`.
#[derive(Default)]
pub struct Messenger;

#[workflow]
impl Messenger {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, target: String) -> WorkflowResult<String> {
        let sleeper = ctx.external_workflow::<Sleeper>(target.clone());
        sleeper.signal(Sleeper::poke, ()).await?;
        ctx.external_workflow::<()>(target.clone())
            .signal_by_name("poke", Vec::new())
            .await?;
        let missing = format!("{target}-missing");
        let signal_missing = ctx
            .external_workflow::<()>(missing.clone())
            .signal_by_name("poke", Vec::new())
            .await;
        let cancel_missing = ctx.external_workflow::<()>(missing).cancel("no one").await;
        sleeper.cancel("enough").await?;
        Ok(format!(
            "signal missing: not found {}; cancel missing: not found {}; {}",
            signal_missing
                .as_ref()
                .is_err_and(ExternalWorkflowFailed::is_not_found),
            cancel_missing
                .as_ref()
                .is_err_and(ExternalWorkflowFailed::is_not_found),
            signal_missing
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        ))
    }
}

#[tokio::test]
async fn a_workflow_signals_and_cancels_another_by_id() {
    let client = client().await;
    let queue = task_queue("messenger");
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<Messenger>()
            .workflow::<Sleeper>(),
    );
    let target = format!("{queue}-sleeper");
    let sleeper = client
        .start(
            Sleeper::run,
            "stubborn".to_owned(),
            StartOptions::new(&target, &queue),
        )
        .await
        .expect("start the target");
    let report = client
        .execute(
            Messenger::run,
            target.clone(),
            StartOptions::new(format!("{queue}-messenger"), &queue),
        )
        .await
        .expect("the messenger completes");
    assert!(
        report.starts_with("signal missing: not found true; cancel missing: not found true;"),
        "{report}"
    );
    assert!(
        report.contains(&format!("signalling workflow `{target}-missing` failed")),
        "{report}"
    );
    assert_eq!(sleeper.result().await.expect("the target completes"), 2);
    worker.stop().await.expect("clean shutdown");
}

// ---------------------------------------------------------------------------------------------
// Sagas.

fn saga_order(id: &str, pick_up_wait_seconds: u64, carrier_refuses: bool) -> SagaOrder {
    SagaOrder {
        order_id: id.to_owned(),
        amount_cents: 4_200,
        pick_up_wait_seconds,
        carrier_refuses,
    }
}

#[tokio::test]
async fn a_refused_shipment_runs_the_compensations_in_reverse_once_each() {
    let client = client().await;
    let queue = task_queue("saga-refused");
    let activities = Arc::new(SagaActivities::default());
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<OrderSagaWorkflow>()
            .shared_activities(Arc::clone(&activities)),
    );
    let error = client
        .execute(
            OrderSagaWorkflow::run,
            saga_order("o-1", 0, true),
            StartOptions::new(&queue, &queue),
        )
        .await
        .expect_err("the shipment is refused");
    let ClientError::Failed(failed) = error else {
        panic!("expected a failed run, got {error:?}")
    };
    assert_eq!(failed.error_type(), Some("ShipmentRefused"));
    assert_eq!(
        activities.journal(),
        [
            "reserve o-1",
            "charge o-1 4200",
            "ship o-1",
            "refund txn-o-1",
            "release rsv-o-1"
        ]
    );
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn a_saga_cancelled_midway_compensates_and_ends_as_cancelled() {
    let client = client().await;
    let queue = task_queue("saga-cancelled");
    let activities = Arc::new(SagaActivities::default());
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<OrderSagaWorkflow>()
            .shared_activities(Arc::clone(&activities)),
    );
    let handle = client
        .start(
            OrderSagaWorkflow::run,
            saga_order("o-2", 600, false),
            StartOptions::new(&queue, &queue),
        )
        .await
        .expect("start");
    tests::first_event(handle.untyped(), EventType::TimerStarted).await;
    handle.cancel().await.expect("cancel");
    let error = handle.result().await.expect_err("cancelled");
    assert!(matches!(error, ClientError::Cancelled { .. }), "{error:?}");
    assert_eq!(
        activities.journal(),
        [
            "reserve o-2",
            "charge o-2 4200",
            "refund txn-o-2",
            "release rsv-o-2"
        ]
    );
    let cancelled = history_events(handle.untyped(), EventType::WorkflowExecutionCanceled).await;
    assert!(
        matches!(
            cancelled.first().and_then(|e| e.attributes.as_ref()),
            Some(Attributes::WorkflowExecutionCanceledEventAttributes(_))
        ),
        "{cancelled:?}"
    );
    worker.stop().await.expect("clean shutdown");
}

// ---------------------------------------------------------------------------------------------
// Calls by name, across languages.

/// Calls the Python activity `compose_greeting` and starts the Python workflow `PyGreeter` as
/// a child, both by name with JSON values, on the Python worker's queue.
#[derive(Default)]
pub struct CallsPython;

#[workflow]
impl CallsPython {
    #[run]
    async fn run(
        ctx: WorkflowContext<Self>,
        name: String,
        python_queue: String,
    ) -> WorkflowResult<(String, serde_json::Value)> {
        let options = ActivityOptions::start_to_close(Duration::from_secs(30))
            .task_queue(python_queue.clone());
        let greeting = ctx
            .activity_by_name(
                "compose_greeting",
                vec![serde_json::json!("Hello"), serde_json::json!(name)],
            )
            .options(options)
            .await?;
        let child = ctx
            .child_by_name("PyGreeter", vec![serde_json::json!(name)])
            .options(ChildWorkflowOptions::new().task_queue(python_queue))
            .start()
            .await?;
        child
            .signal_by_name("set_punctuation", vec![serde_json::json!("!")])
            .await?;
        let from_child = child.result().await?;
        Ok((greeting.as_str().unwrap_or_default().to_owned(), from_child))
    }
}

#[tokio::test]
async fn a_rust_workflow_calls_a_python_activity_and_a_python_child_by_name() {
    let client = client().await;
    let queue = task_queue("calls-python");
    let python_queue = task_queue("calls-python-py");
    let python_worker = tests::PythonWorker::start("lifecycle_interop.py", &python_queue).await;
    let worker = RunningWorker::start(Worker::new(&client, &queue).workflow::<CallsPython>());
    let (greeting, from_child) = client
        .execute(
            CallsPython::run,
            ("Ada".to_owned(), python_queue.clone()),
            StartOptions::new(&queue, &queue),
        )
        .await
        .expect("completes");
    assert_eq!(greeting, "Hello, Ada");
    assert_eq!(
        from_child,
        serde_json::json!({"greeting": "Hi, Ada!", "parent": queue})
    );
    worker.stop().await.expect("clean shutdown");
    drop(python_worker);
}
