//! Search attributes and memo against the dev server (which registers the custom attributes of
//! `tests::attributes` as it starts): set at start, upserted by workflow code and found with a
//! list filter, read back typed by describe and in `ctx.info()`, set on a child, and carried
//! over by continue-as-new.

use std::time::{Duration, SystemTime};

use futures::TryStreamExt;
use tests::{
    PATIENCE,
    attributes::{CUSTOMER_ID, DUE, NOTES, PRIORITY, SCORE, STAGE, TAGS, VIP},
    client, eventually, task_queue,
};
use workflow_runtime::{Memo, RunningWorker, SearchAttributes, prelude::*};

/// What a run sees of its own tags, as its result.
#[derive(Debug, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct SeenTags {
    customer: Option<String>,
    stage: Option<String>,
    priority: Option<i64>,
    owner: Option<String>,
    step: Option<String>,
    child: Option<String>,
}

fn seen(ctx: &WorkflowContext<impl Sized>, child: Option<String>) -> WorkflowResult<SeenTags> {
    let info = ctx.info();
    Ok(SeenTags {
        customer: info.search_attributes.get(&CUSTOMER_ID)?,
        stage: info.search_attributes.get(&STAGE)?,
        priority: info.search_attributes.get(&PRIORITY)?,
        owner: info.memo.get("owner")?,
        step: info.memo.get("step")?,
        child,
    })
}

/// Tags itself, waits for `advance`, then continues as new once; the next run starts a tagged
/// child and returns what it sees.
#[derive(Default)]
pub struct Tagging {
    advanced: bool,
}

#[workflow]
impl Tagging {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, generation: u32) -> WorkflowResult<SeenTags> {
        if generation == 0 {
            ctx.upsert_search_attributes(SearchAttributes::new().with(&STAGE, "paid".to_owned()));
            ctx.upsert_memo(Memo::new().with("step", "charged"));
            ctx.wait_condition(|s| s.advanced).await?;
            return ctx.continue_as_new(Tagging::run, 1).await;
        }
        let child_options = ChildWorkflowOptions::new()
            .workflow_id(format!("{}-child", ctx.info().workflow_id))
            .search_attributes(SearchAttributes::new().with(&CUSTOMER_ID, "child-of".to_owned()))
            .memo(Memo::new().with("owner", "parent"));
        let child = ctx
            .child(TaggedChild::run, ())
            .options(child_options)
            .await?;
        seen(&ctx, child.owner)
    }

    #[signal]
    fn advance(&mut self) {
        self.advanced = true;
    }
}

/// Returns what it sees of its own tags.
#[derive(Default)]
pub struct TaggedChild;

#[workflow]
impl TaggedChild {
    #[run]
    async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<SeenTags> {
        seen(&ctx, None)
    }
}

#[tokio::test]
async fn search_attributes_and_memo_are_set_upserted_found_and_carried_over() {
    let client = client().await;
    let queue = task_queue("attributes");
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<Tagging>()
            .workflow::<TaggedChild>(),
    );
    let customer = format!("c-{queue}");
    let due = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let tags = SearchAttributes::new()
        .with(&CUSTOMER_ID, customer.clone())
        .with(&NOTES, "gift wrap, leave at door".to_owned())
        .with(&PRIORITY, 2)
        .with(&SCORE, 0.75)
        .with(&VIP, true)
        .with(&DUE, due)
        .with(&TAGS, vec!["eu".to_owned(), "gift".to_owned()]);
    let handle = client
        .start(
            Tagging::run,
            0,
            StartOptions::new(format!("{queue}-tagging"), &queue)
                .search_attributes(tags)
                .memo(Memo::new().with("owner", "team-payments")),
        )
        .await
        .expect("start");

    // The upsert makes the run findable by the attribute it set.
    let query = format!("CustomerId = '{customer}' AND OrderStage = 'paid'");
    let found = eventually(PATIENCE, "the upserted run to be listed", || async {
        let runs: Vec<_> = client
            .list_workflows(query.clone())
            .try_collect()
            .await
            .expect("list");
        if runs.is_empty() {
            Err("not yet")
        } else {
            Ok(runs)
        }
    })
    .await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].workflow_id, format!("{queue}-tagging"));

    // Describe reads every type back, and the memo with the upsert applied.
    let execution = handle.describe().await.expect("describe").execution;
    let attributes = &execution.search_attributes;
    assert_eq!(
        attributes.get(&CUSTOMER_ID).expect("keyword"),
        Some(customer.clone())
    );
    assert_eq!(
        attributes.get(&STAGE).expect("keyword"),
        Some("paid".to_owned())
    );
    assert_eq!(
        attributes.get(&NOTES).expect("text"),
        Some("gift wrap, leave at door".to_owned())
    );
    assert_eq!(attributes.get(&PRIORITY).expect("int"), Some(2));
    assert_eq!(attributes.get(&SCORE).expect("double"), Some(0.75));
    assert_eq!(attributes.get(&VIP).expect("bool"), Some(true));
    assert_eq!(attributes.get(&DUE).expect("datetime"), Some(due));
    assert_eq!(
        attributes.get(&TAGS).expect("keyword list"),
        Some(vec!["eu".to_owned(), "gift".to_owned()])
    );
    assert_eq!(
        execution.memo.get::<String>("owner").expect("memo"),
        Some("team-payments".to_owned())
    );
    assert_eq!(
        execution.memo.get::<String>("step").expect("memo"),
        Some("charged".to_owned())
    );
    // The other filters of each type find it too.
    for filter in [
        "Priority >= 2",
        "Vip = true",
        "Tags = 'gift'",
        "Score > 0.5",
        "DueAt > '2026-01-01T00:00:00Z'",
    ] {
        let count = client
            .count_workflows(format!("CustomerId = '{customer}' AND {filter}"))
            .await
            .expect("count");
        assert_eq!(count, 1, "{filter}");
    }

    // Continue-as-new carries the memo and search attributes, upserts included; the child
    // starts with its own.
    handle.signal(Tagging::advance, ()).await.expect("signal");
    let seen = client
        .handle::<Tagging>(format!("{queue}-tagging"))
        .result()
        .await
        .expect("the continued run's result");
    assert_eq!(
        seen,
        SeenTags {
            customer: Some(customer.clone()),
            stage: Some("paid".to_owned()),
            priority: Some(2),
            owner: Some("team-payments".to_owned()),
            step: Some("charged".to_owned()),
            child: Some("parent".to_owned()),
        }
    );
    let child = client
        .handle::<TaggedChild>(format!("{queue}-tagging-child"))
        .describe()
        .await
        .expect("describe the child")
        .execution;
    assert_eq!(
        child.search_attributes.get(&CUSTOMER_ID).expect("keyword"),
        Some("child-of".to_owned())
    );
    worker.stop().await.expect("clean shutdown");
}
