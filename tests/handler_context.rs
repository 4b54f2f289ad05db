//! Sync handlers reading the run through `ctx: &HandlerContext` on a real server, called by
//! a client through their typed references.

use std::time::SystemTime;

use tests::{client, task_queue};
use workflow_runtime::{HandlerContext, prelude::*};

/// Tickets opened by a sync signal and a sync update, each stamped with workflow time and a
/// deterministic id; a query reports their age.
#[derive(Default)]
pub struct Tickets {
    opened: Vec<(String, SystemTime)>,
    closed: bool,
}

#[workflow]
impl Tickets {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<Vec<String>> {
        ctx.wait_condition(|s| s.closed).await?;
        Ok(ctx.state(|s| s.opened.iter().map(|(id, _)| id.clone()).collect()))
    }

    #[signal]
    pub fn open(&mut self, ctx: &HandlerContext, title: String) {
        let id = format!("{title}-{}", ctx.uuid4());
        self.opened.push((id, ctx.now()));
    }

    #[update(validator = Self::check_open)]
    pub fn open_now(&mut self, ctx: &HandlerContext, title: String) -> WorkflowResult<String> {
        let id = format!("{title}-{}", ctx.uuid4());
        self.opened.push((id.clone(), ctx.now()));
        Ok(id)
    }

    fn check_open(&self, ctx: &HandlerContext, title: &str) -> WorkflowResult<()> {
        if title.is_empty() {
            return Err(WorkflowError::application(
                "EmptyTitle",
                format!("run {} needs a title", ctx.info().workflow_id),
            ));
        }
        Ok(())
    }

    #[query]
    pub fn oldest_age(&self, ctx: &HandlerContext) -> Option<u64> {
        let (_, opened) = self.opened.first()?;
        ctx.now()
            .duration_since(*opened)
            .ok()
            .map(|age| age.as_secs())
    }

    #[signal]
    pub fn close(&mut self) {
        self.closed = true;
    }
}

#[tokio::test]
async fn sync_handlers_read_workflow_time_info_and_random_ids_through_their_context() {
    let client = client().await;
    let queue = task_queue("handler-context");
    let worker = RunningWorker::start(Worker::new(&client, &queue).workflow::<Tickets>());
    let workflow_id = format!("{queue}-tickets");
    let handle = client
        .start(Tickets::run, (), StartOptions::new(&workflow_id, &queue))
        .await
        .expect("start");
    handle
        .signal(Tickets::open, "printer".to_owned())
        .await
        .expect("signal");
    let id = handle
        .update(Tickets::open_now, "coffee".to_owned())
        .await
        .expect("update");
    assert!(id.starts_with("coffee-"), "{id}");
    let error = handle
        .update(Tickets::open_now, String::new())
        .await
        .expect_err("the validator rejects");
    assert!(
        error
            .to_string()
            .contains(&format!("run {workflow_id} needs a title")),
        "{error}"
    );
    let age = handle.query(Tickets::oldest_age, ()).await.expect("query");
    assert!(age.is_some_and(|age| age < 600), "{age:?}");
    handle.signal(Tickets::close, ()).await.expect("signal");
    let ids = handle.result().await.expect("result");
    assert_eq!(ids.len(), 2);
    assert!(ids[0].starts_with("printer-") && ids[1] == id, "{ids:?}");
    worker.stop().await.expect("clean shutdown");

    // The handlers' draws replay.
    let history = handle.fetch_history().await.expect("history");
    workflow_runtime::replay::Replayer::new()
        .workflow::<Tickets>()
        .replay(&history)
        .await
        .expect("the handlers' draws replay");
}
