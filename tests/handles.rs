//! Handles and run ids against the dev server: a handle made for one run addresses that run
//! in every call and never reaches a later run of the same workflow id; a handle returned by a
//! start reaches the latest run, and its cancel and terminate stay within its own chain.

use tests::{client, task_queue};
use workflow_runtime::{
    ClientError, RunningWorker, WorkflowIdConflictPolicy, WorkflowStatus, payload::decode,
    prelude::*,
};

/// Counts `add` signals until `finish`.
#[derive(Default)]
pub struct Tally {
    count: u32,
    finished: bool,
}

#[workflow]
impl Tally {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u32> {
        ctx.wait_condition(|s| s.finished).await?;
        Ok(ctx.state(|s| s.count))
    }

    #[signal]
    pub fn add(&mut self) {
        self.count += 1;
    }

    #[update]
    fn add_now(&mut self) -> WorkflowResult<u32> {
        self.count += 1;
        Ok(self.count)
    }

    #[query]
    pub fn count(&self) -> u32 {
        self.count
    }

    #[signal]
    pub fn finish(&mut self) {
        self.finished = true;
    }
}

fn is_not_found(result: &Result<impl std::fmt::Debug, ClientError>) -> bool {
    matches!(result, Err(ClientError::NotFound { .. }))
}

#[tokio::test]
async fn a_handle_for_one_run_never_reaches_a_later_run_of_the_same_id() {
    let client = client().await;
    let queue = task_queue("run-handles");
    let _worker = RunningWorker::start(Worker::new(&client, &queue).workflow::<Tally>());
    let id = format!("{queue}-tally");

    let first = client
        .start(Tally::run, (), StartOptions::new(&id, &queue))
        .await
        .expect("start the first run");
    let first_run = first.run_id().expect("run id").to_owned();
    first
        .signal(Tally::add, ())
        .await
        .expect("signal the first run");
    // Answered once the first run processed the signal, so it can be queried once closed.
    assert_eq!(first.query(Tally::count, ()).await.expect("query"), 1);
    let second = client
        .start(
            Tally::run,
            (),
            StartOptions::new(&id, &queue)
                .id_conflict_policy(WorkflowIdConflictPolicy::TerminateExisting),
        )
        .await
        .expect("terminate the first run and start a second");

    let old = client.untyped_handle(&id, Some(first_run.clone()));
    let no_args = Vec::new();
    let signalled = old.signal("add", no_args.clone()).await;
    assert!(is_not_found(&signalled), "{signalled:?}");
    let updated = old.update("add_now", no_args.clone()).await;
    assert!(is_not_found(&updated), "{updated:?}");
    // The server accepts a cancellation of a closed run as a no-op: it must not reach the
    // second run, which the end of this test shows completing normally.
    old.cancel().await.expect("a no-op on the closed run");
    let terminated = old.terminate("wrong run").await;
    assert!(is_not_found(&terminated), "{terminated:?}");
    // A query still reads the closed run, and reads that run's state.
    let old_count = old
        .query("count", no_args.clone())
        .await
        .expect("query the closed run");
    assert_eq!(decode::<u32>(&old_count[0]).expect("decode"), 1);

    // The first start's handle reaches the latest run with signals and queries, but its
    // cancel and terminate are limited to the chain it started.
    let refused = first.cancel().await;
    assert!(is_not_found(&refused), "{refused:?}");
    let refused = first.terminate("wrong chain").await;
    assert!(is_not_found(&refused), "{refused:?}");
    assert_eq!(first.query(Tally::count, ()).await.expect("query"), 0);

    // Nothing meant for the first run reached the second one.
    let latest = client.untyped_handle(&id, None);
    let description = latest.describe().await.expect("describe");
    assert_eq!(description.execution.status, WorkflowStatus::Running);
    assert_eq!(second.query(Tally::count, ()).await.expect("query"), 0);

    // The second run's own handle reaches it in every call.
    let current = client.untyped_handle(&id, second.run_id().map(str::to_owned));
    current
        .signal("add", no_args.clone())
        .await
        .expect("signal");
    let after_update = current.update("add_now", no_args).await.expect("update");
    assert_eq!(decode::<u32>(&after_update[0]).expect("decode"), 2);
    current
        .signal("finish", vec![])
        .await
        .expect("finish the second run");
    let result = current.result_payloads().await.expect("result");
    assert_eq!(decode::<u32>(&result[0]).expect("decode"), 2);
}
