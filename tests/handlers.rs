//! Signals, queries, updates and wait conditions against the dev server: typed client calls,
//! delivery order, validators, panics, bad input, restarts and evictions.

use examples::{
    approval_workflow::{ApprovalDecision, ApprovalRequest, ApprovalWorkflow, DecidedBy},
    order_workflow::{Address, OrderInput, OrderStatus, OrderWorkflow},
};
use std::time::Duration;
use tests::{
    PATIENCE, RunningWorker, client, eventually,
    fixtures::{order, order_activities, order_worker, wait_until_paid},
    history_events, task_queue, warnings_containing,
};

use workflow_runtime::{
    Client, ClientError, StartOptions, UntypedWorkflowHandle, UpdateOptions, UpdateStage, Worker,
    WorkflowHandle,
    payload::encode,
    protos::temporal::api::{enums::v1::EventType, history::v1::history_event::Attributes},
    replay::Replayer,
    testing::TestEnvironment,
};

use crate::workflows::{
    Account, Allowance, BuggyGreeter, Catchall, Counter, FixedGreeter, StrictAccount, echo_number,
};

fn counter_worker(client: &Client, queue: &str) -> Worker {
    Worker::new(client, queue)
        .workflow::<Counter>()
        .activity(echo_number)
}

/// A worker for `Counter` on `queue` and a run of it, with the queue as its id, that finishes
/// once its total reaches `target` (or on `finish`).
async fn start_counter(
    client: &Client,
    queue: &str,
    target: i64,
) -> (RunningWorker, WorkflowHandle<Counter>) {
    let worker = RunningWorker::start(counter_worker(client, queue));
    let handle = client
        .start(Counter::run, target, StartOptions::new(queue, queue))
        .await
        .expect("start");
    (worker, handle)
}

/// Queries until the total is `expected` (the server records a signal before the workflow has
/// necessarily processed it).
async fn eventually_total(handle: &WorkflowHandle<Counter>, expected: i64) {
    eventually(PATIENCE, &format!("the total {expected}"), || async {
        let total = handle.query(Counter::total, ()).await.expect("query total");
        if total == expected {
            Ok(())
        } else {
            Err(total)
        }
    })
    .await;
}

#[tokio::test]
async fn signals_queries_and_updates_round_trip() {
    let client = client().await;
    let queue = task_queue("handlers");
    let (worker, handle) = start_counter(&client, &queue, 1_000).await;

    for n in [1, 2, 3] {
        handle.signal(Counter::add, n).await.expect("signal");
    }
    eventually_total(&handle, 6).await;
    assert_eq!(
        handle.query(Counter::seen_since, 1).await.expect("query"),
        vec![2, 3]
    );

    // Sync update with a validator: accepted, then rejected.
    assert_eq!(handle.update(Counter::set, 10).await.expect("update"), 6);
    let rejected = handle.update(Counter::set, -5).await.expect_err("rejected");
    let ClientError::UpdateFailed(failure) = &rejected else {
        panic!("expected UpdateFailed, got {rejected:?}");
    };
    assert_eq!(failure.error_type(), Some("Negative"));
    assert_eq!(failure.message(), "-5 is negative");
    assert_eq!(handle.query(Counter::total, ()).await.expect("query"), 10);

    // Async update: waits on a durable timer, then answers.
    assert_eq!(
        handle
            .update(Counter::add_slowly, (5, 200))
            .await
            .expect("async update"),
        15
    );

    // A handler error and a validator panic reach the caller; the workflow goes on. (A
    // handler panic fails the workflow task instead: see the test after this one.)
    let refused = handle
        .update(Counter::refuse, ())
        .await
        .expect_err("refused");
    assert!(
        matches!(&refused, ClientError::UpdateFailed(f) if f.error_type() == Some("Refused") && f.message() == "not today"),
        "{refused:?}"
    );
    let guarded = handle
        .update(Counter::guarded, ())
        .await
        .expect_err("panic");
    assert!(
        guarded.to_string().contains("validator exploded"),
        "{guarded}"
    );

    // The built-in queries of the Temporal UI and CLI.
    let metadata = handle
        .untyped()
        .query("__temporal_workflow_metadata", Vec::new())
        .await
        .expect("metadata query");
    let metadata: serde_json::Value =
        serde_json::from_slice(&metadata[0].data).expect("json/protobuf");
    assert_eq!(metadata["definition"]["type"], "Counter");
    let queries = metadata["definition"]["queryDefinitions"].to_string();
    assert!(
        queries.contains("\"total\"") && queries.contains("\"seen_since\""),
        "{queries}"
    );
    assert!(
        metadata["definition"]["signalDefinitions"]
            .to_string()
            .contains("\"add-later\""),
        "{metadata}"
    );
    let trace = handle
        .untyped()
        .query("__stack_trace", Vec::new())
        .await
        .expect("stack trace query");
    let trace: String = workflow_runtime::payload::decode(&trace[0]).expect("string");
    assert!(trace.contains("is waiting on"), "{trace}");

    // A panicking query fails that query only.
    let crashed = handle.query(Counter::crash, ()).await.expect_err("panic");
    assert!(
        matches!(&crashed, ClientError::QueryFailed { message, .. } if message.contains("query exploded")),
        "{crashed:?}"
    );
    assert_eq!(handle.query(Counter::total, ()).await.expect("query"), 15);

    // Async signal that runs an activity.
    handle
        .signal(Counter::add_later, 7)
        .await
        .expect("async signal");
    eventually_total(&handle, 22).await;

    handle.signal(Counter::finish, ()).await.expect("finish");
    assert_eq!(handle.result().await.expect("result"), vec![1, 2, 3, 5, 7]);
    // Queries still answer after the workflow closed.
    assert_eq!(handle.query(Counter::total, ()).await.expect("query"), 22);

    // Rejected updates (validator failures and the validator panic) left no trace in the
    // history; the accepted ones did, failures included.
    let accepted =
        history_events(handle.untyped(), EventType::WorkflowExecutionUpdateAccepted).await;
    assert_eq!(accepted.len(), 3, "set(10), add_slowly, refuse");
    let completed = history_events(
        handle.untyped(),
        EventType::WorkflowExecutionUpdateCompleted,
    )
    .await;
    assert_eq!(completed.len(), 3);
    worker.stop().await.expect("clean shutdown");
}

/// The message of the first failed workflow task of a run, once there is one.
async fn first_task_failure(handle: &UntypedWorkflowHandle) -> String {
    eventually(PATIENCE, "a failed workflow task", || async {
        let failed = history_events(handle, EventType::WorkflowTaskFailed).await;
        match failed.first().and_then(|event| event.attributes.clone()) {
            Some(Attributes::WorkflowTaskFailedEventAttributes(failed)) => {
                Ok(failed.failure.map(|f| f.message).unwrap_or_default())
            }
            _ => Err(format!("{} failed tasks", failed.len())),
        }
    })
    .await
}

#[tokio::test]
async fn a_panicking_update_handler_fails_the_task_and_a_fixed_worker_completes_the_update() {
    let client = client().await;
    let queue = task_queue("update-panic");
    let buggy = RunningWorker::start(Worker::new(&client, &queue).workflow::<BuggyGreeter>());
    // Core reports only the first failure of a task; later attempts on the buggy worker end
    // at the task timeout, kept short so the fixed worker gets the task soon.
    let options = |id: &str| {
        StartOptions::new(format!("{queue}-{id}"), &queue).task_timeout(Duration::from_secs(2))
    };
    let sync = client
        .start(BuggyGreeter::run, 1, options("sync"))
        .await
        .expect("start");
    let greet = tokio::spawn({
        let sync = sync.clone();
        async move { sync.update(BuggyGreeter::greet, "ana".to_owned()).await }
    });
    let message = first_task_failure(sync.untyped()).await;
    assert!(
        message.contains("update handler `greet` panicked: cannot greet ana yet"),
        "{message}"
    );

    // The async handler is accepted, then panics after its timer.
    let later = client
        .start(BuggyGreeter::run, 1, options("async"))
        .await
        .expect("start");
    let greet_later = later
        .start_update(
            BuggyGreeter::greet_later,
            "bo".to_owned(),
            UpdateOptions::new(),
        )
        .await
        .expect("accepted");
    let message = first_task_failure(later.untyped()).await;
    assert!(
        message.contains("update handler `greet_later` panicked: cannot greet bo later either"),
        "{message}"
    );
    buggy.stop().await.expect("clean shutdown");
    assert!(!greet.is_finished(), "the caller still waits: {greet:?}");

    let fixed = RunningWorker::start(Worker::new(&client, &queue).workflow::<FixedGreeter>());
    let greeted = tokio::time::timeout(PATIENCE, greet)
        .await
        .expect("the update completes on the fixed worker")
        .expect("the caller's task")
        .expect("the update succeeds");
    assert_eq!(greeted, "hello ana");
    assert_eq!(
        tokio::time::timeout(PATIENCE, greet_later.result())
            .await
            .expect("the update completes on the fixed worker")
            .expect("the update succeeds"),
        "hello bo, later"
    );
    assert_eq!(sync.result().await.expect("result"), vec!["ana"]);
    assert_eq!(later.result().await.expect("result"), vec!["bo"]);
    for handle in [&sync, &later] {
        let completed = history_events(
            handle.untyped(),
            EventType::WorkflowExecutionUpdateCompleted,
        )
        .await;
        assert_eq!(completed.len(), 1, "the update completed once");
    }
    fixed.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn signals_sent_before_the_worker_starts_are_all_delivered_in_order() {
    let client = client().await;
    let queue = task_queue("early-signals");
    // Signal-with-start, then more signals, all before any worker polls.
    let handle = client
        .signal_with_start(
            Counter::run,
            210,
            StartOptions::new(&queue, &queue),
            Counter::add,
            1,
        )
        .await
        .expect("signal with start");
    for n in 2..=20 {
        handle.signal(Counter::add, n).await.expect("signal");
    }
    let worker = RunningWorker::start(counter_worker(&client, &queue));
    let seen = handle.result().await.expect("result");
    assert_eq!(seen, (1..=20).collect::<Vec<i64>>());
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn signals_racing_the_completion_are_handled_before_the_workflow_closes() {
    let client = client().await;
    let queue = task_queue("racing-signals");
    let (worker, handle) = start_counter(&client, &queue, 1).await;
    // The first signal completes the workflow; the others race its completion. Each one the
    // server accepted must be in the result.
    let mut sends = tokio::task::JoinSet::new();
    for _ in 0..30 {
        let handle = handle.clone();
        sends.spawn(async move { handle.signal(Counter::add, 1).await.is_ok() });
    }
    let accepted = sends.join_all().await.into_iter().filter(|ok| *ok).count();
    let seen = handle.result().await.expect("result");
    assert!(accepted >= 1);
    assert_eq!(seen.len(), accepted, "every accepted signal was handled");
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn an_update_id_runs_once() {
    let client = client().await;
    let queue = task_queue("update-id");
    let (worker, handle) = start_counter(&client, &queue, 1_000).await;
    let options = UpdateOptions::new()
        .update_id("set-once")
        .wait_for(UpdateStage::Completed);
    let first = handle
        .start_update(Counter::set, 40, options.clone())
        .await
        .expect("update")
        .result()
        .await
        .expect("result");
    let again = handle
        .start_update(Counter::set, 40, options)
        .await
        .expect("update")
        .result()
        .await
        .expect("result");
    assert_eq!((first, again), (0, 0), "the retry gets the first outcome");
    assert_eq!(handle.query(Counter::updates_run, ()).await.expect("q"), 1);
    handle.signal(Counter::finish, ()).await.expect("finish");
    handle.result().await.expect("result");
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn an_update_in_flight_survives_a_worker_restart_and_evictions() {
    let client = client().await;
    let queue = task_queue("update-restart");
    let (worker, handle) = start_counter(&client, &queue, 1_000).await;
    // Accepted, then its handler waits for a signal that comes only once the worker went away.
    let update = handle
        .start_update(Counter::add_when_open, 9, UpdateOptions::new())
        .await
        .expect("accepted");
    worker.stop().await.expect("clean shutdown");
    // The new worker keeps no runs cached: every activation replays the history, so the
    // update's handler is rebuilt from it.
    let worker = RunningWorker::start(counter_worker(&client, &queue).max_cached_workflows(0));
    handle.signal(Counter::open_gate, ()).await.expect("signal");
    assert_eq!(update.result().await.expect("update result"), 9);
    assert_eq!(
        handle
            .update(Counter::add_slowly, (1, 10))
            .await
            .expect("update"),
        10
    );
    handle.signal(Counter::finish, ()).await.expect("finish");
    assert_eq!(handle.result().await.expect("result"), vec![9, 1]);
    let failed = history_events(handle.untyped(), EventType::WorkflowTaskFailed).await;
    assert_eq!(failed.len(), 0, "replays matched the history");
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn unknown_names_and_bad_arguments_fail_only_that_call() {
    let client = client().await;
    let queue = task_queue("handler-bad-input");
    let (worker, handle) = start_counter(&client, &queue, 1_000).await;
    let untyped = handle.untyped();

    let error = untyped
        .query("totl", Vec::new())
        .await
        .expect_err("unknown");
    let message = error.to_string();
    assert!(
        message.contains("no #[query] handler named `totl`")
            && message.contains("`total`")
            && message.contains("`seen_since`"),
        "{message}"
    );
    let error = untyped
        .update("sett", vec![encode(&1).expect("encode")])
        .await
        .expect_err("unknown");
    let ClientError::UpdateFailed(failure) = &error else {
        panic!("expected UpdateFailed, got {error:?}");
    };
    assert_eq!(failure.error_type(), Some("UpdateNotFound"));
    assert!(failure.message().contains("`set`"), "{error}");

    // An unknown signal is logged with the known names; the workflow goes on.
    untyped
        .signal("ad", vec![encode(&1).expect("encode")])
        .await
        .expect("signal");
    // Arguments that do not decode: the signal is dropped, the query and update fail.
    untyped
        .signal("add", vec![encode(&"one").expect("encode")])
        .await
        .expect("signal");
    let error = untyped
        .query("seen_since", vec![encode(&"zero").expect("encode")])
        .await
        .expect_err("bad argument");
    assert!(error.to_string().contains("usize"), "{error}");
    let error = untyped
        .update("set", vec![encode(&"ten").expect("encode")])
        .await
        .expect_err("bad argument");
    // The type is in the cause: `{:#}` shows the whole chain, `Display` its first level.
    assert!(format!("{error:#}").contains("i64"), "{error:#}");

    handle.signal(Counter::add, 4).await.expect("signal");
    eventually_total(&handle, 4).await;
    let unknown = warnings_containing("no #[signal] handler named `ad`");
    assert!(
        unknown
            .iter()
            .any(|w| w.contains("`add`") && w.contains("`finish`")),
        "{unknown:?}"
    );
    assert!(
        !warnings_containing("signal `add` of workflow `Counter`").is_empty(),
        "the undecodable signal is logged with the expected type"
    );
    handle.signal(Counter::finish, ()).await.expect("finish");
    assert_eq!(handle.result().await.expect("result"), vec![4]);
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn more_handler_arguments_than_declared_fail_the_call_naming_both_counts() {
    let client = client().await;
    let queue = task_queue("extra-handler-arguments");
    let (worker, handle) = start_counter(&client, &queue, 1_000).await;
    let untyped = handle.untyped();
    let numbers =
        |ns: &[i64]| -> Vec<_> { ns.iter().map(|n| encode(n).expect("encode")).collect() };

    // A signal is dropped with a warning; the workflow goes on.
    untyped
        .signal("add", numbers(&[1, 2]))
        .await
        .expect("signal");
    // A query fails.
    let error = untyped
        .query("total", numbers(&[1]))
        .await
        .expect_err("extra argument");
    assert!(
        error
            .to_string()
            .contains("query `total` of workflow `Counter` declares no arguments but received 1"),
        "{error}"
    );
    // An update is rejected before acceptance, with or without a validator.
    for (name, arguments) in [
        ("set", numbers(&[1, 2])),
        ("add_slowly", numbers(&[1, 2, 3])),
    ] {
        let error = untyped
            .update(name, arguments)
            .await
            .expect_err("extra argument");
        let ClientError::UpdateFailed(failure) = &error else {
            panic!("expected UpdateFailed, got {error:?}");
        };
        assert_eq!(failure.error_type(), Some("PayloadError"));
        assert!(
            failure
                .message()
                .contains(&format!("update `{name}` of workflow `Counter` declares"))
                && failure.message().contains("but received"),
            "{error}"
        );
    }
    assert!(
        history_events(untyped, EventType::WorkflowExecutionUpdateAccepted)
            .await
            .is_empty(),
        "rejected before acceptance"
    );

    handle.signal(Counter::add, 4).await.expect("signal");
    eventually_total(&handle, 4).await;
    assert!(
        !warnings_containing(
            "signal `add` of workflow `Counter` declares 1 argument but received 2"
        )
        .is_empty(),
        "the dropped signal is logged with both counts"
    );
    assert_eq!(
        handle.query(Counter::updates_run, ()).await.expect("query"),
        0
    );
    handle.signal(Counter::finish, ()).await.expect("finish");
    assert_eq!(handle.result().await.expect("result"), vec![4]);
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn dynamic_handlers_receive_any_name() {
    let client = client().await;
    let queue = task_queue("dynamic");
    let worker = RunningWorker::start(Worker::new(&client, &queue).workflow::<Catchall>());
    let handle = client
        .start(Catchall::run, (), StartOptions::new(&queue, &queue))
        .await
        .expect("start");
    let untyped = handle.untyped();
    untyped
        .signal(
            "ping",
            vec![encode(&1).expect("encode"), encode(&2).expect("encode")],
        )
        .await
        .expect("signal");
    let answer = untyped.query("anything", Vec::new()).await.expect("query");
    let answer: String = workflow_runtime::payload::decode(&answer[0]).expect("string");
    assert!(answer.starts_with("anything: "), "{answer}");
    let counted = untyped
        .update("bump", vec![encode(&1).expect("encode")])
        .await
        .expect("update");
    let counted: usize = workflow_runtime::payload::decode(&counted[0]).expect("usize");
    assert_eq!(counted, 1);
    untyped.signal("stop", Vec::new()).await.expect("signal");
    assert_eq!(
        handle.result().await.expect("result"),
        vec!["ping/2", "update bump", "stop/0", "stop"]
    );
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn update_with_start_starts_once_and_validators_do_not_run_on_replay() {
    let client = client().await;
    let queue = task_queue("account");
    let worker = RunningWorker::start(Worker::new(&client, &queue).workflow::<Account>());
    let options = StartOptions::new(&queue, &queue);
    let (handle, balance) = client
        .update_with_start(Account::run, (), options.clone(), Account::deposit, 40)
        .await
        .expect("update with start");
    assert_eq!(balance, 40);
    // The workflow is running: the second call updates the same run.
    let (again, balance) = client
        .update_with_start(Account::run, (), options, Account::deposit, 60)
        .await
        .expect("update with start");
    assert_eq!(balance, 100);
    assert_eq!(again.workflow_id(), handle.workflow_id());
    assert_eq!(handle.result().await.expect("result"), 100);
    worker.stop().await.expect("clean shutdown");

    // A stricter validator deployed later rejects every new deposit, but old histories still
    // replay: validators only run for new updates.
    let history = handle.fetch_history().await.expect("history");
    Replayer::new()
        .workflow::<StrictAccount>()
        .replay(&history)
        .await
        .expect("replays without nondeterminism");
}

#[tokio::test]
async fn signal_and_update_with_start_see_the_state_init_built_from_the_input() {
    let client = client().await;
    let queue = task_queue("init");
    let worker = RunningWorker::start(Worker::new(&client, &queue).workflow::<Allowance>());
    let options = |id: &str| StartOptions::new(format!("{queue}-{id}"), &queue);

    // The signal sent with the start reads the limit `#[init]` took from the input.
    let noted = client
        .signal_with_start(Allowance::run, 10, options("signal"), Allowance::note, ())
        .await
        .expect("signal with start");
    noted.signal(Allowance::close, ()).await.expect("close");
    assert_eq!(noted.result().await.expect("result"), vec![10]);

    // The validator of an update sent with the start checks against that limit: over it the
    // update is rejected, under it accepted (a `Default` state would have a limit of 0).
    let over = client
        .update_with_start(Allowance::run, 10, options("over"), Allowance::spend, 11)
        .await
        .expect_err("over the limit");
    let ClientError::UpdateFailed(failure) = &over else {
        panic!("expected UpdateFailed, got {over:?}");
    };
    assert_eq!(failure.error_type(), Some("OverLimit"));
    assert_eq!(failure.message(), "11 is over the 10 left");
    let (under, left) = client
        .update_with_start(Allowance::run, 10, options("under"), Allowance::spend, 4)
        .await
        .expect("under the limit");
    assert_eq!(left, 6);

    for handle in [client.handle::<Allowance>(format!("{queue}-over")), under] {
        handle.signal(Allowance::close, ()).await.expect("close");
        assert_eq!(handle.result().await.expect("result"), Vec::<u64>::new());
    }
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn approval_waits_for_a_signal_or_times_out() {
    let client = client().await;
    let queue = task_queue("approval");
    let worker = RunningWorker::start(Worker::new(&client, &queue).workflow::<ApprovalWorkflow>());
    let request = |timeout_seconds| ApprovalRequest {
        description: "new laptop".to_owned(),
        timeout_seconds,
    };

    let approved = client
        .start(
            ApprovalWorkflow::run,
            request(3_600),
            StartOptions::new(format!("{queue}-yes"), &queue),
        )
        .await
        .expect("start");
    assert_eq!(
        approved
            .query(ApprovalWorkflow::decision, ())
            .await
            .expect("query"),
        None
    );
    approved
        .signal(ApprovalWorkflow::approve, true)
        .await
        .expect("signal");
    assert_eq!(
        approved.result().await.expect("result"),
        ApprovalDecision {
            approved: true,
            decided_by: DecidedBy::Reviewer
        }
    );
    let cancelled_timers = history_events(approved.untyped(), EventType::TimerCanceled).await;
    assert_eq!(
        cancelled_timers.len(),
        1,
        "the signal cancelled the timeout timer"
    );

    let timed_out = client
        .execute(
            ApprovalWorkflow::run,
            request(1),
            StartOptions::new(format!("{queue}-timeout"), &queue),
        )
        .await
        .expect("result");
    assert_eq!(
        timed_out,
        ApprovalDecision {
            approved: false,
            decided_by: DecidedBy::Timeout
        }
    );
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn order_address_changes_until_shipped_and_cancellation_compensates() {
    // On the time-skipping server the hold's timer cannot fire while the test queries and
    // updates (the clock only moves while a result is awaited), so a realistic hour-long hold
    // costs nothing.
    let env = TestEnvironment::time_skipping().await.expect("test server");
    let client = env.client();
    let queue = task_queue("order-interactive");
    let activities = order_activities();
    let worker = RunningWorker::start(order_worker(client, &queue, &activities));

    // The address can change while the paid order is held.
    let shipped_id = format!("{queue}-shipped");
    let shipped = client
        .start(
            OrderWorkflow::run,
            OrderInput {
                hold_seconds: 3600,
                ..order(&shipped_id, 2)
            },
            StartOptions::new(&shipped_id, &queue),
        )
        .await
        .expect("start");
    wait_until_paid(&shipped).await;
    let previous = shipped
        .update(
            OrderWorkflow::update_shipping_address,
            Address {
                street: "5 New Street".to_owned(),
                city: "Paris".to_owned(),
            },
        )
        .await
        .expect("address change accepted");
    assert_eq!(previous.city, "Lyon");
    let result = shipped.result().await.expect("ships");
    assert_eq!(result.status, OrderStatus::Completed);
    assert!(result.tracking_number.is_some());

    let cancelled_id = format!("{queue}-cancelled");
    let cancelled = client
        .start(
            OrderWorkflow::run,
            OrderInput {
                hold_seconds: 3600,
                ..order(&cancelled_id, 2)
            },
            StartOptions::new(&cancelled_id, &queue),
        )
        .await
        .expect("start");
    wait_until_paid(&cancelled).await;
    cancelled
        .signal(OrderWorkflow::cancel_order, "changed my mind".to_owned())
        .await
        .expect("signal");
    let result = cancelled.result().await.expect("cancelled result");
    assert_eq!(result.status, OrderStatus::Cancelled);
    assert_eq!(
        result.cancellation_reason.as_deref(),
        Some("changed my mind")
    );
    let refused = cancelled
        .update(
            OrderWorkflow::update_shipping_address,
            Address {
                street: "x".to_owned(),
                city: "y".to_owned(),
            },
        )
        .await;
    assert!(refused.is_err(), "no address change after cancellation");

    let journal = activities.journal();
    assert_eq!(
        journal,
        vec![
            format!("ship {shipped_id} Paris"),
            format!("refund {}", result.transaction_id),
            format!("release {cancelled_id}"),
        ]
    );
    assert_eq!(
        activities.stock.lock().expect("stock")["WIDGET"],
        48,
        "the shipped order keeps its 2 units, the cancelled one gave them back"
    );
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn another_client_awaits_an_update_by_its_id() {
    let client = client().await;
    let queue = task_queue("update-by-id");
    let (worker, handle) = start_counter(&client, &queue, 1_000).await;
    let sent = handle
        .start_update(
            Counter::add_slowly,
            (4, 300),
            UpdateOptions::new().update_id("slow-4"),
        )
        .await
        .expect("accepted");
    handle
        .start_update(
            Counter::refuse,
            (),
            UpdateOptions::new()
                .update_id("refused")
                .wait_for(UpdateStage::Completed),
        )
        .await
        .expect("completed");

    // A second client object, as another process would have, with the ids only.
    let other = tests::client().await;
    let typed = other.handle::<Counter>(handle.workflow_id());
    let slow = typed.update_handle(Counter::add_slowly, "slow-4");
    assert_eq!(slow.result().await.expect("outcome"), 4);
    assert_eq!(sent.result().await.expect("outcome"), 4, "the sender too");
    let refused = typed
        .update_handle(Counter::refuse, "refused")
        .result()
        .await
        .expect_err("the handler's error");
    let ClientError::UpdateFailed(failure) = &refused else {
        panic!("expected UpdateFailed, got {refused:?}");
    };
    assert_eq!(failure.update_name(), "refuse");
    assert_eq!(failure.error_type(), Some("Refused"));

    // An unknown workflow is not mistaken for an unknown update.
    let missing = other
        .untyped_handle(format!("{queue}-missing"), None)
        .update_handle("slow-4")
        .result_payloads()
        .await
        .expect_err("no such workflow");
    assert!(
        matches!(&missing, ClientError::NotFound { .. }),
        "{missing:?}"
    );

    handle.signal(Counter::finish, ()).await.expect("finish");
    assert_eq!(handle.result().await.expect("result"), vec![4]);
    worker.stop().await.expect("clean shutdown");
}
