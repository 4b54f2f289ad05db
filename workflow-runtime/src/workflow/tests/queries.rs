//! Queries and the built-in queries.

use super::*;

#[test]
fn a_query_answers_from_the_state_and_changes_nothing() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let commands = run.commands(vec![query("status", Vec::new())]);
    assert_eq!(query_value::<Option<bool>>(&commands), None);
    assert_eq!(query_answer(&commands).query_id, "q-status");
    run.commands(vec![update(
        "u1",
        "add_note",
        vec![payload("a note")],
        true,
    )]);
    let commands = run.commands(vec![query("note_count", vec![payload("a ")])]);
    assert_eq!(query_value::<usize>(&commands), 1);
}

#[test]
fn an_unknown_query_fails_listing_the_workflow_s_queries() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let commands = run.commands(vec![query("nope", Vec::new())]);
    let failure = query_failure(&commands);
    assert_eq!(application_type(failure), failure_type::QUERY_NOT_FOUND);
    assert!(
        failure
            .message
            .contains("its queries are: `crash`, `note_count`, `status`"),
        "{}",
        failure.message
    );
}

#[test]
fn a_panic_in_a_query_fails_only_that_query() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let commands = run.commands(vec![query("crash", Vec::new())]);
    let failure = query_failure(&commands);
    assert_eq!(application_type(failure), failure_type::PANIC);
    assert!(
        failure.message.contains("query exploded"),
        "{}",
        failure.message
    );
    let commands = run.commands(vec![fire(1)]);
    assert_eq!(completed_with::<String>(&commands), "timed out");
}

#[test]
fn a_query_with_more_arguments_than_declared_fails_naming_both_counts() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let commands = run.commands(vec![query("status", vec![payload(1)])]);
    let failure = query_failure(&commands);
    assert_eq!(application_type(failure), failure_type::PAYLOAD_ERROR);
    assert!(
        failure
            .message
            .contains("query `status` of workflow `Approval` declares no arguments but received 1"),
        "{}",
        failure.message
    );
    let commands = run.commands(vec![query("note_count", vec![payload("a"), payload("b")])]);
    let failure = query_failure(&commands);
    assert!(
        failure
            .message
            .contains("declares 1 argument but received 2"),
        "{}",
        failure.message
    );
}

#[test]
fn built_in_queries_describe_handlers_and_pending_work() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let commands = run.commands(vec![query("__temporal_workflow_metadata", Vec::new())]);
    let Some(query_result::Variant::Succeeded(success)) = &query_answer(&commands).variant else {
        panic!("{commands:?}")
    };
    let response = success.response.as_ref().expect("a response");
    let metadata: serde_json::Value =
        serde_json::from_slice(&response.data).expect("json/protobuf");
    assert_eq!(metadata["definition"]["type"], "Approval");
    assert_eq!(
        metadata["definition"]["updateDefinitions"],
        serde_json::json!([{ "name": "add_note" }, { "name": "slow_note" }])
    );
    let commands = run.commands(vec![query("__stack_trace", Vec::new())]);
    let trace: String = query_value(&commands);
    assert!(trace.contains("timers [1]"), "{trace}");
}
