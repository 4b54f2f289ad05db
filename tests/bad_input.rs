//! Bad input and broken workflow code: each gets a clear error, and nothing else breaks.

use tests::{RunningWorker, client, history_events, task_queue, workflow_task_failure};
use workflow_runtime::{
    ClientError, StartOptions, UntypedWorkflowHandle, Worker, WorkflowFailed, WorkflowStatus,
    payload::{Payload, decode, encode},
    protos::temporal::api::{
        enums::v1::{EventType, RetryState},
        history::v1::history_event::Attributes,
    },
};

use workflow_runtime::prelude::*;

use crate::workflows::*;

/// Starts `TimerWorkflow` (`interval_ms: u64, count: u32`) with raw `arguments` and returns the
/// handle and the failure the run ends with.
async fn timer_workflow_failure(
    client: &workflow_runtime::Client,
    queue: &str,
    arguments: Vec<Payload>,
) -> (UntypedWorkflowHandle, WorkflowFailed) {
    let handle = client
        .start_untyped("TimerWorkflow", arguments, StartOptions::new(queue, queue))
        .await
        .expect("start");
    let error = handle
        .result_payloads()
        .await
        .expect_err("the workflow fails");
    let ClientError::Failed(failure) = error else {
        panic!("expected a workflow failure, got {error:?}");
    };
    (handle, failure)
}

fn worker(client: &workflow_runtime::Client, queue: &str) -> Worker {
    Worker::new(client, queue)
        .workflow::<PanickyWorkflow>()
        .workflow::<TimerWorkflow>()
        .workflow::<CallsUnregistered>()
        .workflow::<TokioSleeper>()
        .workflow::<CallsEchoWithExtra>()
        .activity(echo)
}

#[tokio::test]
async fn unknown_workflow_type_fails_the_task_listing_registered_types() {
    let client = client().await;
    let queue = task_queue("unknown-workflow");
    let worker = RunningWorker::start(worker(&client, &queue));
    let handle = client
        .start_untyped("NoSuchWorkflow", vec![], StartOptions::new(&queue, &queue))
        .await
        .expect("start");
    let message = workflow_task_failure(&handle).await;
    assert!(
        message.contains("unknown workflow type `NoSuchWorkflow`"),
        "{message}"
    );
    for registered in [
        "`PanickyWorkflow`",
        "`TimerWorkflow`",
        "`CallsUnregistered`",
        "`TokioSleeper`",
    ] {
        assert!(message.contains(registered), "{message}");
    }
    handle.terminate("test over").await.expect("terminate");
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn undecodable_input_fails_the_workflow_naming_the_expected_type() {
    let client = client().await;
    let queue = task_queue("bad-input");
    let worker = RunningWorker::start(worker(&client, &queue));
    let arguments = vec![
        encode("three hundred").expect("encode"),
        encode(&3).expect("encode"),
    ];
    let (_, failure) = timer_workflow_failure(&client, &queue, arguments).await;
    assert_eq!(failure.error_type(), Some("PayloadError"));
    let message = failure.message();
    assert!(message.contains("workflow `TimerWorkflow`"), "{message}");
    assert!(message.contains("`u64`"), "{message}");
    assert!(
        message.contains("invalid type: string \"three hundred\""),
        "{message}"
    );
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn more_workflow_arguments_than_declared_fail_the_workflow_naming_both_counts() {
    let client = client().await;
    let queue = task_queue("extra-input");
    let worker = RunningWorker::start(worker(&client, &queue));
    let arguments = [1_u64, 1, 99].iter().map(|n| encode(n).expect("encode"));
    let (handle, failure) = timer_workflow_failure(&client, &queue, arguments.collect()).await;
    assert_eq!(failure.error_type(), Some("PayloadError"));
    assert!(
        failure
            .message()
            .contains("workflow `TimerWorkflow` declares 2 arguments but received 3"),
        "{}",
        failure.message()
    );
    // The run never started: no timer was scheduled.
    assert!(
        history_events(&handle, EventType::TimerStarted)
            .await
            .is_empty()
    );
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn more_activity_arguments_than_declared_fail_the_activity_without_retries() {
    let client = client().await;
    let queue = task_queue("extra-activity-input");
    let worker = RunningWorker::start(worker(&client, &queue));
    let handle = client
        .start(
            CallsEchoWithExtra::run,
            (),
            StartOptions::new(&queue, &queue),
        )
        .await
        .expect("start");
    let error = handle.result().await.expect_err("the activity fails");
    let ClientError::Failed(failure) = error else {
        panic!("expected a workflow failure, got {error:?}");
    };
    assert_eq!(failure.error_type(), Some("PayloadError"));
    assert!(
        failure
            .message()
            .contains("activity `echo` declares 1 argument but received 2"),
        "{}",
        failure.message()
    );
    // Non-retryable: one attempt although the policy allows three.
    let failed = history_events(handle.untyped(), EventType::ActivityTaskFailed).await;
    let [failed] = failed.as_slice() else {
        panic!("expected one failed attempt, got {failed:?}");
    };
    let Some(Attributes::ActivityTaskFailedEventAttributes(attributes)) = &failed.attributes else {
        panic!("an ActivityTaskFailed event without its attributes: {failed:?}");
    };
    assert_eq!(
        attributes.retry_state,
        RetryState::NonRetryableFailure as i32
    );
    worker.stop().await.expect("clean shutdown");
}

/// Returns a map with tuple keys, which has no JSON form.
#[activity]
pub async fn unencodable_result(
    _ctx: ActivityContext,
) -> Result<std::collections::HashMap<(u8, u8), String>, ActivityError> {
    Ok([((1, 2), "no JSON key".to_owned())].into())
}

/// Heartbeats a map with tuple keys, with `?`.
#[activity]
pub async fn unencodable_heartbeat(ctx: ActivityContext) -> Result<(), ActivityError> {
    let progress: std::collections::HashMap<(u8, u8), u32> = [((1, 2), 3)].into();
    ctx.heartbeat(&progress)?;
    Ok(())
}

/// Calls the activity named by its input, allowing three attempts.
#[derive(Default)]
pub struct CallsUnencodable;

#[workflow]
impl CallsUnencodable {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, heartbeat: bool) -> WorkflowResult<()> {
        if heartbeat {
            ctx.activity(unencodable_heartbeat, ())
                .options(quick_retries(3))
                .await?;
        } else {
            ctx.activity(unencodable_result, ())
                .options(quick_retries(3))
                .await?;
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_result_or_heartbeat_that_does_not_encode_fails_the_activity_without_retries() {
    let client = client().await;
    let queue = task_queue("unencodable");
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<CallsUnencodable>()
            .activity(unencodable_result)
            .activity(unencodable_heartbeat),
    );
    for heartbeat in [false, true] {
        let handle = client
            .start(
                CallsUnencodable::run,
                heartbeat,
                StartOptions::new(format!("{queue}-{heartbeat}"), &queue),
            )
            .await
            .expect("start");
        let error = handle.result().await.expect_err("the activity fails");
        let ClientError::Failed(failure) = error else {
            panic!("expected a workflow failure, got {error:?}");
        };
        assert_eq!(failure.error_type(), Some("PayloadError"));
        assert!(failure.is_non_retryable());
        assert!(
            failure.message().contains("cannot encode"),
            "{}",
            failure.message()
        );
        let failed = history_events(handle.untyped(), EventType::ActivityTaskFailed).await;
        assert_eq!(failed.len(), 1, "one attempt although three are allowed");
    }
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn panic_fails_the_workflow_task_and_the_worker_keeps_serving() {
    let client = client().await;
    let queue = task_queue("panic");
    let worker = RunningWorker::start(worker(&client, &queue));
    let exploding = client
        .start(
            PanickyWorkflow::run,
            true,
            StartOptions::new(format!("{queue}-boom"), &queue),
        )
        .await
        .expect("start");
    let message = workflow_task_failure(exploding.untyped()).await;
    assert!(
        message.contains("workflow code panicked: the reactor core is overheating"),
        "{message}"
    );

    let calm = client
        .execute(
            PanickyWorkflow::run,
            false,
            StartOptions::new(format!("{queue}-calm"), &queue),
        )
        .await
        .expect("the same worker still serves other workflows");
    assert_eq!(calm, "calm");
    exploding.terminate("test over").await.expect("terminate");
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn unknown_activity_type_fails_the_activity_listing_registered_ones() {
    let client = client().await;
    let queue = task_queue("unknown-activity");
    let worker = RunningWorker::start(worker(&client, &queue));
    let error = client
        .execute(
            CallsUnregistered::run,
            (),
            StartOptions::new(&queue, &queue),
        )
        .await
        .expect_err("the activity cannot run");
    let ClientError::Failed(failure) = error else {
        panic!("expected a workflow failure, got {error:?}");
    };
    assert_eq!(failure.error_type(), Some("ActivityNotRegistered"));
    let message = failure.message();
    assert!(
        message.contains("unknown activity type `unregistered`"),
        "{message}"
    );
    assert!(message.contains("`echo`"), "{message}");
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn tokio_sleep_in_workflow_code_fails_the_task_naming_the_replacement() {
    let client = client().await;
    let queue = task_queue("tokio-sleep");
    let worker = RunningWorker::start(worker(&client, &queue));
    let handle = client
        .start(TokioSleeper::run, (), StartOptions::new(&queue, &queue))
        .await
        .expect("start");
    let message = workflow_task_failure(handle.untyped()).await;
    assert!(message.contains("use ctx.sleep() for timers"), "{message}");
    handle.terminate("test over").await.expect("terminate");
    worker.stop().await.expect("clean shutdown");
}

/// Returns a string of `megabytes` MiB.
#[activity]
pub async fn huge_report(_ctx: ActivityContext, megabytes: usize) -> Result<String, ActivityError> {
    Ok("x".repeat(megabytes * 1024 * 1024))
}

/// Calls `huge_report`, allowing three attempts.
#[derive(Default)]
pub struct CallsHugeReport;

#[workflow]
impl CallsHugeReport {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, megabytes: usize) -> WorkflowResult<usize> {
        let report = ctx
            .activity(huge_report, megabytes)
            .options(quick_retries(3))
            .await?;
        Ok(report.len())
    }
}

#[tokio::test]
async fn an_oversized_activity_result_fails_without_retries_naming_the_limit() {
    let client = client().await;
    let queue = task_queue("oversized-result");
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<CallsHugeReport>()
            .activity(huge_report),
    );
    let handle = client
        .start(CallsHugeReport::run, 3, StartOptions::new(&queue, &queue))
        .await
        .expect("start");
    let error = handle.result().await.expect_err("the result is too large");
    let ClientError::Failed(failure) = error else {
        panic!("expected a workflow failure, got {error:?}");
    };
    assert!(failure.is_non_retryable(), "{failure:#}");
    assert_eq!(failure.error_type(), Some("PayloadsTooLarge"));
    let message = failure.message();
    assert!(
        message.contains("activity `huge_report` returned 3.0 MiB")
            && message.contains("limit of 2.0 MiB")
            && message.contains("return a reference"),
        "{message}"
    );
    let failed = history_events(handle.untyped(), EventType::ActivityTaskFailed).await;
    assert_eq!(failed.len(), 1, "one attempt although three are allowed");
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn an_oversized_workflow_input_signal_or_update_argument_names_the_limit_to_the_caller() {
    let client = client().await;
    let queue = task_queue("oversized-input");
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<TimerWorkflow>()
            .workflow::<Adder>(),
    );
    let huge = encode(&"x".repeat(3 * 1024 * 1024)).expect("encode");
    let refused = |error: &ClientError| {
        matches!(error, ClientError::PayloadsTooLarge { .. })
            && error.to_string().contains("size limit")
            && error.to_string().contains("pass a reference")
    };
    let error = client
        .start_untyped(
            "TimerWorkflow",
            vec![huge.clone()],
            StartOptions::new(format!("{queue}-start"), &queue),
        )
        .await
        .expect_err("a 3 MiB input is refused");
    assert!(refused(&error), "{error:?}");
    let handle = client
        .start_untyped(
            "Adder",
            vec![],
            StartOptions::new(format!("{queue}-adder"), &queue),
        )
        .await
        .expect("start");
    let error = handle
        .signal("add", vec![huge.clone()])
        .await
        .expect_err("a 3 MiB signal argument is refused");
    assert!(refused(&error), "{error:?}");
    // An update the server would admit is refused by the client, with both sizes.
    let error = handle
        .update("add_now", vec![huge])
        .await
        .expect_err("a 3 MiB update argument is refused");
    assert!(refused(&error), "{error:?}");
    assert!(
        matches!(
            error,
            ClientError::PayloadsTooLarge { size: Some(size), limit: Some(2_097_152), .. }
                if size > 3 * 1024 * 1024
        ),
        "{error:?}"
    );
    // Nothing reached the workflow: it takes a normal update and completes.
    let total = handle
        .update("add_now", vec![encode(&10_u64).expect("encode")])
        .await
        .expect("a normal update");
    assert_eq!(decode::<u64>(&total[0]).expect("decode"), 10);
    let result = handle.result_payloads().await.expect("the run completes");
    assert_eq!(decode::<u64>(&result[0]).expect("decode"), 10);
    worker.stop().await.expect("clean shutdown");
}

/// Adds signalled numbers until the total reaches 10.
#[derive(Default)]
pub struct Adder {
    total: u64,
}

#[workflow]
impl Adder {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u64> {
        ctx.wait_condition(|s| s.total >= 10).await?;
        Ok(ctx.state(|s| s.total))
    }

    #[signal]
    pub fn add(&mut self, n: u64) {
        self.total += n;
    }

    #[update]
    pub fn add_now(&mut self, n: u64) -> WorkflowResult<u64> {
        self.total += n;
        Ok(self.total)
    }

    #[query]
    pub fn plus(&self, n: u64) -> u64 {
        self.total + n
    }
}

fn payload(encoding: &str, data: &[u8]) -> Payload {
    let mut payload = Payload {
        data: data.to_vec(),
        ..Payload::default()
    };
    payload
        .metadata
        .insert("encoding".to_owned(), encoding.as_bytes().to_vec());
    payload
}

#[tokio::test]
async fn malformed_json_and_unknown_encodings_get_a_clear_error_at_each_boundary() {
    tests::init_tracing();
    let client = client().await;
    let queue = task_queue("malformed");
    let worker = RunningWorker::start(Worker::new(&client, &queue).workflow::<Adder>());
    let handle = client
        .start_untyped("Adder", vec![], StartOptions::new(&queue, &queue))
        .await
        .expect("start");
    let malformed = payload("json/plain", b"{not json");
    let unknown = payload("binary/unknown", b"\x01\x02");

    // A signal that does not decode is dropped with a warning naming it; the run goes on.
    handle
        .signal("add", vec![malformed.clone()])
        .await
        .expect("the server takes the signal");
    // A query's arguments that do not decode fail the query, naming the problem.
    let error = handle
        .query("plus", vec![unknown.clone()])
        .await
        .expect_err("the query fails");
    assert!(
        matches!(&error, ClientError::QueryFailed { message, .. } if message.contains("binary/unknown")),
        "{error:?}"
    );
    // An update's arguments that do not decode reject the update before it is accepted.
    let error = handle
        .update("add_now", vec![malformed])
        .await
        .expect_err("the update is rejected");
    let ClientError::UpdateFailed(rejected) = &error else {
        panic!("expected a rejected update, got {error:?}");
    };
    assert_eq!(rejected.error_type(), Some("PayloadError"), "{error:?}");
    assert_eq!(
        decode::<u64>(
            &handle
                .query("plus", vec![encode(&0_u64).expect("encode")])
                .await
                .expect("query")[0]
        )
        .expect("decode"),
        0,
        "nothing malformed changed the state"
    );
    assert!(
        !tests::warnings_containing("signal dropped").is_empty(),
        "the dropped signal is logged"
    );
    handle
        .signal("add", vec![encode(&10_u64).expect("encode")])
        .await
        .expect("signal");
    let result = handle.result_payloads().await.expect("the run completes");
    assert_eq!(decode::<u64>(&result[0]).expect("decode"), 10);
    worker.stop().await.expect("clean shutdown");
}

/// Returns a string of `megabytes` MiB as its result.
#[derive(Default)]
pub struct HugeResult;

#[workflow]
impl HugeResult {
    #[run]
    pub async fn run(_ctx: WorkflowContext<Self>, megabytes: usize) -> WorkflowResult<String> {
        Ok("x".repeat(megabytes * 1024 * 1024))
    }
}

#[tokio::test]
async fn an_oversized_workflow_result_fails_the_task_naming_the_field_and_the_limit() {
    let client = client().await;
    let queue = task_queue("oversized-workflow-result");
    let worker = RunningWorker::start(Worker::new(&client, &queue).workflow::<HugeResult>());
    let handle = client
        .start(HugeResult::run, 3, StartOptions::new(&queue, &queue))
        .await
        .expect("start");
    let message = workflow_task_failure(handle.untyped()).await;
    assert!(
        message.contains("`CompleteWorkflowExecution.result` is 3.0 MiB")
            && message.contains("limit of 2.0 MiB")
            && message.contains("pass a reference"),
        "{message}"
    );
    // The run stays open, as after any failed task: a fixed deployment would complete it.
    let described = handle.describe().await.expect("describe");
    assert_eq!(described.execution.status, WorkflowStatus::Running);
    handle.terminate("test over").await.expect("terminate");
    worker.stop().await.expect("clean shutdown");
}

/// Sends `"three"` where a `usize` is declared, as a caller in another language might: to the
/// activity `huge_report`, or as the input of the child workflow `CallsHugeReport`.
#[derive(Default)]
pub struct SendsWrongShapes;

#[workflow]
impl SendsWrongShapes {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, to_child: bool) -> WorkflowResult<()> {
        let wrong = vec![serde_json::json!("three")];
        if to_child {
            ctx.child_by_name("CallsHugeReport", wrong).await?;
        } else {
            ctx.activity_by_name("huge_report", wrong)
                .options(quick_retries(3))
                .await?;
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_wrong_shaped_activity_or_child_input_from_another_caller_fails_naming_the_type() {
    let client = client().await;
    let queue = task_queue("wrong-shapes");
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<SendsWrongShapes>()
            .workflow::<CallsHugeReport>()
            .activity(huge_report),
    );
    for to_child in [false, true] {
        let handle = client
            .start(
                SendsWrongShapes::run,
                to_child,
                StartOptions::new(format!("{queue}-{to_child}"), &queue),
            )
            .await
            .expect("start");
        let error = handle.result().await.expect_err("the call fails");
        let ClientError::Failed(failure) = error else {
            panic!("expected a workflow failure, got {error:?}");
        };
        let shown = format!("{failure:#}");
        let callee = if to_child {
            "workflow `CallsHugeReport`"
        } else {
            "activity `huge_report`"
        };
        assert!(
            shown.contains(callee)
                && shown.contains("`usize`")
                && shown.contains("invalid type: string \"three\""),
            "{shown}"
        );
        if !to_child {
            let failed = history_events(handle.untyped(), EventType::ActivityTaskFailed).await;
            assert_eq!(failed.len(), 1, "one attempt although three are allowed");
        }
    }
    worker.stop().await.expect("clean shutdown");
}

/// Opens a state closure inside another, as a new user might.
#[derive(Default)]
pub struct NestsStateClosures {
    count: u32,
}

#[workflow]
impl NestsStateClosures {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u32> {
        Ok(ctx.state(|outer| {
            ctx.state_mut(|inner| {
                inner.count += 1;
                outer.count
            })
        }))
    }
}

#[tokio::test]
async fn a_state_closure_inside_another_fails_the_task_naming_the_call_and_the_fix() {
    let client = client().await;
    let queue = task_queue("nested-state");
    let worker =
        RunningWorker::start(Worker::new(&client, &queue).workflow::<NestsStateClosures>());
    let handle = client
        .start(
            NestsStateClosures::run,
            (),
            StartOptions::new(&queue, &queue),
        )
        .await
        .expect("start");
    let message = workflow_task_failure(handle.untyped()).await;
    assert!(
        message.contains("ctx.state_mut(..) was called inside another state closure")
            && message.contains("then call ctx.state_mut(..) after it")
            && message.contains("bad_input.rs"),
        "{message}"
    );
    handle.terminate("test over").await.expect("terminate");
    worker.stop().await.expect("clean shutdown");
}

/// Panics at every attempt.
#[activity]
pub async fn always_panics(_ctx: ActivityContext) -> Result<String, ActivityError> {
    if std::hint::black_box(true) {
        panic!("the ledger is locked");
    }
    Ok(String::new())
}

/// Runs `always_panics` with two attempts.
#[derive(Default)]
pub struct CallsAlwaysPanics;

#[workflow]
impl CallsAlwaysPanics {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<String> {
        Ok(ctx
            .activity(always_panics, ())
            .options(quick_retries(2))
            .await?)
    }
}

#[tokio::test]
async fn an_activity_panic_fails_each_attempt_naming_the_place_in_the_code() {
    let client = client().await;
    let queue = task_queue("activity-panic-place");
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<CallsAlwaysPanics>()
            .activity(always_panics),
    );
    let handle = client
        .start(
            CallsAlwaysPanics::run,
            (),
            StartOptions::new(&queue, &queue),
        )
        .await
        .expect("start");
    let error = handle.result().await.expect_err("every attempt panics");
    let ClientError::Failed(failure) = error else {
        panic!("expected a workflow failure, got {error:?}");
    };
    assert_eq!(failure.error_type(), Some("ActivityPanic"));
    let message = failure.message();
    assert!(
        message.starts_with("activity panicked: the ledger is locked (at ")
            && message.contains("bad_input.rs"),
        "{message}"
    );
    let started = history_events(handle.untyped(), EventType::ActivityTaskStarted).await;
    let Some(Attributes::ActivityTaskStartedEventAttributes(last)) = &started[0].attributes else {
        panic!("an ActivityTaskStarted event without its attributes");
    };
    assert_eq!(last.attempt, 2, "retried by its policy, as before");
    worker.stop().await.expect("clean shutdown");
}
