//! Start options against the dev server: what a start does when the id is taken (the typed
//! error names the running run; use it; terminate it), an id that may not be reused, a start
//! delay, a cron schedule, the summary and details the UI shows (for a start and a child), and
//! eager start.

use std::time::Duration;

use tests::{PATIENCE, client, eventually, history_events, task_queue};
use workflow_runtime::{
    RunningWorker, WorkflowIdConflictPolicy, WorkflowIdReusePolicy, WorkflowStatus,
    prelude::*,
    protos::temporal::api::{enums::v1::EventType, history::v1::history_event::Attributes},
};

/// Waits for `finish`, then returns its input.
#[derive(Default)]
pub struct Held {
    finished: bool,
}

#[workflow]
impl Held {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, value: u32) -> WorkflowResult<u32> {
        ctx.wait_condition(|s| s.finished).await?;
        Ok(value)
    }

    #[signal]
    fn finish(&mut self) {
        self.finished = true;
    }
}

#[tokio::test]
async fn a_taken_id_fails_with_the_running_run_or_follows_the_conflict_policy() {
    let client = client().await;
    let queue = task_queue("conflict");
    let worker = RunningWorker::start(Worker::new(&client, &queue).workflow::<Held>());
    let id = format!("{queue}-held");
    let first = client
        .start(Held::run, 1, StartOptions::new(&id, &queue))
        .await
        .expect("start");
    let first_run = first.run_id().expect("run id").to_owned();

    let taken = client
        .start(Held::run, 2, StartOptions::new(&id, &queue))
        .await
        .expect_err("the id is taken");
    match &taken {
        ClientError::AlreadyStarted {
            workflow_id,
            run_id,
            ..
        } => {
            assert_eq!(workflow_id, &id);
            assert_eq!(run_id.as_deref(), Some(first_run.as_str()));
        }
        other => panic!("expected AlreadyStarted, got {other:?}"),
    }
    assert!(
        taken.to_string().contains(&format!("as run `{first_run}`")),
        "{taken}"
    );

    let existing = client
        .start(
            Held::run,
            3,
            StartOptions::new(&id, &queue)
                .id_conflict_policy(WorkflowIdConflictPolicy::UseExisting),
        )
        .await
        .expect("use the running run");
    assert_eq!(existing.run_id(), Some(first_run.as_str()));

    let replacement = client
        .start(
            Held::run,
            4,
            StartOptions::new(&id, &queue)
                .id_conflict_policy(WorkflowIdConflictPolicy::TerminateExisting),
        )
        .await
        .expect("terminate and start");
    assert_ne!(replacement.run_id(), Some(first_run.as_str()));
    let old = client
        .untyped_handle(&id, Some(first_run.clone()))
        .describe()
        .await
        .expect("describe")
        .execution;
    assert_eq!(old.status, WorkflowStatus::Terminated);
    replacement.signal(Held::finish, ()).await.expect("signal");
    assert_eq!(replacement.result().await.expect("result"), 4);

    // A closed id refused by the reuse policy is the same typed error.
    let refused = client
        .start(
            Held::run,
            5,
            StartOptions::new(&id, &queue).id_reuse_policy(WorkflowIdReusePolicy::RejectDuplicate),
        )
        .await
        .expect_err("the id may not be reused");
    assert!(
        matches!(refused, ClientError::AlreadyStarted { .. }),
        "{refused:?}"
    );
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn start_delay_cron_summary_and_details_reach_the_server() {
    let client = client().await;
    let queue = task_queue("start-options");
    let delayed = client
        .start(
            Held::run,
            1,
            StartOptions::new(format!("{queue}-delayed"), &queue)
                .start_delay(Duration::from_secs(30))
                .static_summary("Order 17 for ACME")
                .static_details("**Priority** customer"),
        )
        .await
        .expect("start");
    let cron = client
        .start(
            Held::run,
            2,
            StartOptions::new(format!("{queue}-cron"), &queue).cron_schedule("0 3 * * *"),
        )
        .await
        .expect("start");

    let started = |handle: &WorkflowHandle<Held>| {
        let handle = handle.untyped().clone();
        async move {
            let events = history_events(&handle, EventType::WorkflowExecutionStarted).await;
            let event = events.into_iter().next().expect("a started event");
            let Some(Attributes::WorkflowExecutionStartedEventAttributes(attributes)) =
                event.attributes.clone()
            else {
                panic!("a started event")
            };
            (event, attributes)
        }
    };
    let (event, attributes) = started(&delayed).await;
    assert_eq!(
        attributes.first_workflow_task_backoff.map(|d| d.seconds),
        Some(30)
    );
    assert_eq!(
        summary_and_details(&event),
        (
            "Order 17 for ACME".to_owned(),
            "**Priority** customer".to_owned()
        )
    );

    let (_, attributes) = started(&cron).await;
    assert_eq!(attributes.cron_schedule, "0 3 * * *");
    // The first run waits for 03:00.
    assert!(
        attributes
            .first_workflow_task_backoff
            .is_some_and(|backoff| backoff.seconds > 0),
        "{attributes:?}"
    );
    // Nothing ran: both wait on the server, with no workflow task yet.
    let pending = eventually(PATIENCE, "both runs to be listed", || async {
        let count = client
            .count_workflows(format!(
                "TaskQueue = '{queue}' AND ExecutionStatus = 'Running'"
            ))
            .await
            .expect("count");
        if count == 2 { Ok(count) } else { Err(count) }
    })
    .await;
    assert_eq!(pending, 2);
    assert!(
        history_events(delayed.untyped(), EventType::WorkflowTaskScheduled)
            .await
            .is_empty()
    );
    delayed.terminate("test over").await.expect("terminate");
    cron.terminate("test over").await.expect("terminate");
}

/// Starts a `Held` child with a summary and details, finishes it, and returns its value.
#[derive(Default)]
pub struct DescribedParent;

#[workflow]
impl DescribedParent {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, value: u32) -> WorkflowResult<u32> {
        let child = ctx
            .child(Held::run, value)
            .options(
                ChildWorkflowOptions::new()
                    .static_summary("Held child")
                    .static_details("*waits* for `finish`"),
            )
            .start()
            .await?;
        child.signal(Held::finish, ()).await?;
        Ok(child.result().await?)
    }
}

/// The summary and details in a history event's user metadata.
fn summary_and_details(
    event: &workflow_runtime::protos::temporal::api::history::v1::HistoryEvent,
) -> (String, String) {
    let metadata = event
        .user_metadata
        .clone()
        .expect("the UI's summary and details");
    let text = |payload: Option<workflow_runtime::payload::Payload>| {
        workflow_runtime::payload::decode::<String>(&payload.expect("set")).expect("a string")
    };
    (text(metadata.summary), text(metadata.details))
}

#[tokio::test]
async fn a_child_s_summary_and_details_reach_the_server() {
    let client = client().await;
    let queue = task_queue("child-summary");
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<DescribedParent>()
            .workflow::<Held>(),
    );
    let parent = client
        .start(
            DescribedParent::run,
            9,
            StartOptions::new(format!("{queue}-parent"), &queue),
        )
        .await
        .expect("start");
    assert_eq!(parent.result().await.expect("result"), 9);
    let initiated = history_events(
        parent.untyped(),
        EventType::StartChildWorkflowExecutionInitiated,
    )
    .await;
    let [initiated] = initiated.as_slice() else {
        panic!("one child started: {initiated:?}")
    };
    assert_eq!(
        summary_and_details(initiated),
        ("Held child".to_owned(), "*waits* for `finish`".to_owned())
    );
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn an_eager_start_runs_the_first_task_on_this_client_s_worker() {
    let client = client().await;
    let queue = task_queue("eager");
    let worker = RunningWorker::start(Worker::new(&client, &queue).workflow::<Held>());
    let started_event = |handle: WorkflowHandle<Held>| async move {
        let events = history_events(handle.untyped(), EventType::WorkflowExecutionStarted).await;
        match events.into_iter().next().and_then(|event| event.attributes) {
            Some(Attributes::WorkflowExecutionStartedEventAttributes(attributes)) => attributes,
            other => panic!("a started event, got {other:?}"),
        }
    };
    // The worker must poll before a slot can be reserved for it.
    let eager = eventually(PATIENCE, "an eager start to be accepted", || {
        let client = client.clone();
        let queue = queue.clone();
        async move {
            let handle = client
                .start(
                    Held::run,
                    1,
                    StartOptions::new(format!("{queue}-{}", uuid::Uuid::new_v4()), &queue)
                        .request_eager_start(true),
                )
                .await
                .map_err(|e| e.to_string())?;
            let attributes = started_event(handle.clone()).await;
            handle
                .signal(Held::finish, ())
                .await
                .map_err(|e| e.to_string())?;
            if attributes.eager_execution_accepted {
                Ok(handle)
            } else {
                Err("started, not eagerly".to_owned())
            }
        }
    })
    .await;
    assert_eq!(eager.result().await.expect("result"), 1);
    worker.stop().await.expect("clean shutdown");

    // Without a worker of this client on the queue, it is an ordinary start.
    let plain = client
        .start(
            Held::run,
            2,
            StartOptions::new(format!("{queue}-plain"), format!("{queue}-nobody"))
                .request_eager_start(true),
        )
        .await
        .expect("start");
    assert!(!started_event(plain.clone()).await.eager_execution_accepted);
    plain.terminate("done").await.expect("terminate");
}
