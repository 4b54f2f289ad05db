//! Starting and finishing a run.

use super::*;

#[test]
fn a_run_that_returns_at_once_completes_with_its_encoded_result() {
    let (_, commands) = TestRun::start::<Quick>("four");
    assert_eq!(commands.len(), 1, "{commands:?}");
    assert_eq!(completed_with::<u64>(&commands), 4);
}

#[test]
fn the_first_activation_schedules_what_run_awaits_first() {
    let (_, commands) = TestRun::start::<Approval>(60_u64);
    assert!(
        matches!(commands.as_slice(), [Command::StartTimer(t)] if t.seq == 1
            && t.start_to_fire_timeout == Some(prost_wkt_types::Duration { seconds: 60, nanos: 0 })),
        "{commands:?}"
    );
}

#[test]
fn an_input_that_does_not_decode_fails_the_workflow_naming_the_type() {
    let (_, commands) = TestRun::start_with::<Quick>(vec![payload(17)], Vec::new());
    let failure = failed_with(&commands);
    assert_eq!(application_type(failure), failure_type::PAYLOAD_ERROR);
    assert!(failure.message.contains("`Quick`"), "{}", failure.message);
    assert!(failure.message.contains("String"), "{}", failure.message);
}

#[test]
fn more_arguments_than_declared_fail_the_workflow_naming_both_counts() {
    let (_, commands) =
        TestRun::start_with::<Quick>(vec![payload("abc"), payload("extra")], Vec::new());
    let failure = failed_with(&commands);
    assert_eq!(application_type(failure), failure_type::PAYLOAD_ERROR);
    assert!(
        failure
            .message
            .contains("workflow `Quick` declares 1 argument but received 2"),
        "{}",
        failure.message
    );
}

#[test]
fn an_error_from_run_fails_the_workflow_with_its_type_and_retry_flag() {
    let (_, commands) = TestRun::start::<Quick>("fail");
    let failure = failed_with(&commands);
    assert_eq!(application_type(failure), "OutOfStock");
    assert_eq!(failure.message, "item 7");
    let Some(FailureInfo::ApplicationFailureInfo(info)) = &failure.failure_info else {
        unreachable!()
    };
    assert!(info.non_retryable);
}

#[test]
fn a_panic_in_run_fails_the_task_and_every_later_activation_until_eviction() {
    let (mut run, first) = TestRun::begin::<Quick>(
        vec![payload("panic")],
        Vec::new(),
        7,
        &Interceptors::default(),
    );
    let message = task_failure(run.run.activate(first));
    assert!(message.contains("run exploded"), "{message}");
    let again = task_failure(run.activate(vec![fire(1)]));
    assert_eq!(again, message);
}

#[test]
fn a_state_closure_inside_another_fails_the_task_naming_the_inner_call_and_the_fix() {
    let (mut run, first) = TestRun::begin::<Quick>(
        vec![payload("nested-state")],
        Vec::new(),
        7,
        &Interceptors::default(),
    );
    let message = task_failure(run.run.activate(first));
    assert!(
        message.contains("ctx.state_mut(..) was called inside another state closure")
            && message.contains("return what you need from the outer closure")
            && message.contains("workflow/tests/mod.rs"),
        "{message}"
    );
    assert!(!message.contains("already borrowed"), "{message}");
}

#[test]
fn nothing_is_sent_after_the_final_command() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let commands = run.commands(vec![signal("approve", vec![payload(true)])]);
    // The timer of the wait is cancelled when the condition wins, then the run completes.
    assert!(
        matches!(commands.first(), Some(Command::CancelTimer(_))),
        "{commands:?}"
    );
    assert_eq!(completed_with::<String>(&commands), "approved");
    assert!(run.commands(vec![fire(1)]).is_empty());
    assert!(
        run.commands(vec![signal("approve", vec![payload(false)])])
            .is_empty()
    );
}

#[test]
fn without_a_decoded_input_there_is_no_state_and_handlers_answer_with_the_failed_start() {
    let (mut run, commands) = TestRun::start_with::<Approval>(
        vec![payload("sixty")],
        vec![
            signal("approve", vec![payload(true)]),
            update("u1", "add_note", vec![payload("hi")], true),
        ],
    );
    // The workflow fails as any run whose input does not decode does.
    let failure = failed_with(&commands);
    assert_eq!(application_type(failure), failure_type::PAYLOAD_ERROR);
    assert!(
        failure
            .message
            .starts_with("workflow `Approval` received an input it cannot decode: "),
        "{}",
        failure.message
    );
    // The update is rejected before the failure, naming the failed start; the signal is
    // dropped.
    let [update_response::Response::Rejected(rejected)] = update_responses(&commands)[..] else {
        panic!("{commands:?}")
    };
    assert_eq!(application_type(rejected), failure_type::PAYLOAD_ERROR);
    assert!(
        rejected.message.starts_with(
            "update `add_note` rejected: workflow `Approval` received an input it cannot decode"
        ),
        "{}",
        rejected.message
    );
    let failed = query_failure(&run.commands(vec![query("status", Vec::new())])).clone();
    assert_eq!(application_type(&failed), failure_type::PAYLOAD_ERROR);
    assert!(
        failed.message.starts_with(
            "query `status` failed: workflow `Approval` received an input it cannot decode"
        ),
        "{}",
        failed.message
    );
}
