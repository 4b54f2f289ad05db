//! Search attributes and memo in the run state machine: an upsert sends its command and shows
//! in `ctx.info()` at once, and continue-as-new carries the run's current values over.

use crate::{ContinueAsNewOptions, Memo, SearchAttributeKey, SearchAttributes};

use super::*;

const STAGE: SearchAttributeKey<String> = SearchAttributeKey::keyword("OrderStage");
const SCORE: SearchAttributeKey<i64> = SearchAttributeKey::int("Score");

/// Upserts, reads its info back, then continues as new unless told to stop.
#[derive(Default)]
pub struct Tagged;

#[workflow]
impl Tagged {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, continue_after: bool) -> WorkflowResult<String> {
        ctx.upsert_search_attributes(
            SearchAttributes::new()
                .with(&STAGE, "paid".to_owned())
                .with(&SCORE, 7),
        );
        ctx.upsert_memo(Memo::new().with("owner", "payments"));
        ctx.upsert_search_attributes(SearchAttributes::new().without(&SCORE));
        if continue_after {
            return ctx
                .continue_as_new(Tagged::run, false)
                .options(ContinueAsNewOptions::new())
                .await;
        }
        let info = ctx.info();
        Ok(format!(
            "{:?}/{:?}/{:?}",
            info.search_attributes.get(&STAGE)?,
            info.search_attributes.get(&SCORE)?,
            info.memo.get::<String>("owner")?
        ))
    }
}

#[test]
fn an_upsert_sends_its_command_and_shows_in_info_at_once() {
    let (_, commands) = TestRun::start::<Tagged>(false);
    let [
        Command::UpsertWorkflowSearchAttributes(first),
        Command::ModifyWorkflowProperties(memo),
        Command::UpsertWorkflowSearchAttributes(removal),
        Command::CompleteWorkflowExecution(_),
    ] = commands.as_slice()
    else {
        panic!("expected two upserts, a memo change and the result, got {commands:?}")
    };
    let sent = first.search_attributes.clone().expect("attributes");
    assert_eq!(
        sent.indexed_fields["OrderStage"].metadata["type"],
        b"Keyword"
    );
    assert_eq!(sent.indexed_fields["Score"].data, b"7");
    assert!(
        memo.upserted_memo
            .as_ref()
            .expect("memo")
            .fields
            .contains_key("owner")
    );
    // A removal is an empty value, as the server reads it.
    let removed = removal.search_attributes.clone().expect("attributes");
    assert!(removed.indexed_fields["Score"].data.is_empty());
    assert_eq!(
        completed_with::<String>(&commands),
        "Some(\"paid\")/None/Some(\"payments\")"
    );
}

#[test]
fn continue_as_new_carries_the_current_memo_and_search_attributes() {
    let (_, commands) = TestRun::start::<Tagged>(true);
    let Some(Command::ContinueAsNewWorkflowExecution(next)) = commands.last() else {
        panic!("expected continue-as-new, got {commands:?}")
    };
    assert!(next.memo.contains_key("owner"), "{next:?}");
    let attributes = next.search_attributes.clone().expect("attributes");
    assert!(attributes.indexed_fields.contains_key("OrderStage"));
    assert!(
        !attributes.indexed_fields.contains_key("Score"),
        "removed before continuing"
    );
}
