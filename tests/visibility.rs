//! Finding and describing workflows against the dev server: a visibility query lists the runs
//! of a task queue page by page and counts them, and describe reports a run's status, times,
//! history length and the activity it waits on.

use std::time::Duration;

use examples::versioned_workflow::{legacy_processor, release_2::VersionedWorkflow, worker};
use futures::TryStreamExt;
use tests::{PATIENCE, client, eventually, task_queue};
use workflow_runtime::{ActivityState, RunningWorker, WorkflowStatus, prelude::*};

/// Waits on an activity scheduled on a task queue no worker polls.
#[derive(Default)]
pub struct Stuck;

#[workflow]
impl Stuck {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, queue: String) -> WorkflowResult<String> {
        let options = ActivityOptions::start_to_close(Duration::from_secs(10))
            .task_queue(format!("{queue}-nobody-polls"));
        Ok(ctx.activity(legacy_processor, 1).options(options).await?)
    }
}

#[tokio::test]
async fn runs_are_listed_counted_and_described() {
    let client = client().await;
    let queue = task_queue("visibility");
    let running =
        RunningWorker::start(worker::<VersionedWorkflow>(&client, &queue).workflow::<Stuck>());
    let options = |id: &str| StartOptions::new(format!("{queue}-{id}"), &queue);
    let done = client
        .start(VersionedWorkflow::run, 100, options("done"))
        .await
        .expect("start");
    done.signal(VersionedWorkflow::finish, ())
        .await
        .expect("signal");
    assert_eq!(done.result().await.expect("result"), "new:100");
    let waiting = client
        .start(VersionedWorkflow::run, 200, options("waiting"))
        .await
        .expect("start");
    let stuck = client
        .start(Stuck::run, queue.clone(), options("stuck"))
        .await
        .expect("start");

    let described = done.describe().await.expect("describe");
    assert_eq!(described.execution.workflow_id, format!("{queue}-done"));
    assert_eq!(described.execution.workflow_type, "VersionedWorkflow");
    assert_eq!(described.execution.task_queue, queue);
    assert_eq!(described.execution.status, WorkflowStatus::Completed);
    assert!(described.execution.start_time.is_some());
    assert!(described.execution.close_time >= described.execution.start_time);
    assert!(described.execution.history_length > 10, "{described:?}");
    assert!(described.pending_activities.is_empty());

    let pending = eventually(PATIENCE, "the stuck activity to be scheduled", || async {
        let described = stuck.describe().await.expect("describe");
        match described.pending_activities.as_slice() {
            [activity] => Ok(activity.clone()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    assert_eq!(pending.activity_type, "legacy_processor");
    assert_eq!(pending.state, ActivityState::Scheduled);
    assert_eq!(pending.attempt, 1);
    let described = stuck.describe().await.expect("describe");
    assert_eq!(described.execution.status, WorkflowStatus::Running);
    assert_eq!(described.execution.close_time, None);

    // The visibility store follows the history with a short delay.
    let query = format!("TaskQueue = '{queue}'");
    let listed = eventually(PATIENCE, "the three runs to be listed", || async {
        let listed: Vec<_> = client
            .list_workflows(query.clone())
            .page_size(2)
            .try_collect()
            .await
            .expect("list");
        if listed.len() == 3 {
            Ok(listed)
        } else {
            Err(format!("{listed:?}"))
        }
    })
    .await;
    let mut ids: Vec<(String, WorkflowStatus)> = listed
        .iter()
        .map(|run| (run.workflow_id.clone(), run.status))
        .collect();
    ids.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        ids,
        [
            (format!("{queue}-done"), WorkflowStatus::Completed),
            (format!("{queue}-stuck"), WorkflowStatus::Running),
            (format!("{queue}-waiting"), WorkflowStatus::Running),
        ]
    );
    assert_eq!(
        client.count_workflows(query.clone()).await.expect("count"),
        3
    );
    let running_query = format!("{query} AND ExecutionStatus = 'Running'");
    assert_eq!(
        client.count_workflows(running_query).await.expect("count"),
        2
    );

    waiting.terminate("test over").await.expect("terminate");
    stuck.terminate("test over").await.expect("terminate");
    running.stop().await.expect("clean shutdown");
}
