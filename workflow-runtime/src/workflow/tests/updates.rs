//! Updates: validation, acceptance, completion, rejection, panics.

use super::*;

#[test]
fn a_sync_update_is_accepted_and_completed_in_one_activation() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let commands = run.commands(vec![update("u1", "add_note", vec![payload("hi")], true)]);
    let responses = update_responses(&commands);
    assert!(
        matches!(
            responses.as_slice(),
            [update_response::Response::Accepted(()), update_response::Response::Completed(p)]
                if decode::<usize>(p).ok() == Some(1)
        ),
        "{commands:?}"
    );
}

#[test]
fn a_validator_rejection_is_answered_before_acceptance_and_the_handler_does_not_run() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let commands = run.commands(vec![update("u1", "add_note", vec![payload("")], true)]);
    let responses = update_responses(&commands);
    let [update_response::Response::Rejected(failure)] = responses.as_slice() else {
        panic!("{commands:?}")
    };
    assert_eq!(application_type(failure), "EmptyNote");
    let commands = run.commands(vec![query("note_count", vec![payload("")])]);
    assert_eq!(query_value::<usize>(&commands), 0);
}

#[test]
fn validators_do_not_run_on_replay() {
    // On replay the history already says the update was accepted; a validator that would
    // reject it now must not break the replay.
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let commands = run.commands(vec![update("u1", "add_note", vec![payload("")], false)]);
    let responses = update_responses(&commands);
    assert!(
        matches!(
            responses.first(),
            Some(update_response::Response::Accepted(()))
        ),
        "{commands:?}"
    );
}

#[test]
fn an_error_from_an_update_handler_fails_the_update_after_acceptance() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let commands = run.commands(vec![update(
        "u1",
        "add_note",
        vec![payload("refuse")],
        true,
    )]);
    let responses = update_responses(&commands);
    let [
        update_response::Response::Accepted(()),
        update_response::Response::Rejected(failure),
    ] = responses.as_slice()
    else {
        panic!("{commands:?}")
    };
    assert_eq!(application_type(failure), "Refused");
}

#[test]
fn an_async_update_is_accepted_now_and_completed_when_its_handler_ends() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let commands = run.commands(vec![update(
        "u1",
        "slow_note",
        vec![payload("later")],
        true,
    )]);
    let responses = update_responses(&commands);
    assert!(matches!(
        responses.as_slice(),
        [update_response::Response::Accepted(())]
    ));
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::StartTimer(t) if t.seq == 2)),
        "{commands:?}"
    );
    let commands = run.commands(vec![fire(2)]);
    let responses = update_responses(&commands);
    assert!(
        matches!(responses.as_slice(), [update_response::Response::Completed(p)] if decode::<usize>(p).ok() == Some(1)),
        "{commands:?}"
    );
}

#[test]
fn a_panic_in_a_sync_update_fails_the_task_and_a_fixed_worker_completes_the_update() {
    let (mut buggy, commands) = TestRun::start::<BuggyNotes>(1_usize);
    assert!(commands.is_empty(), "{commands:?}");
    let add = || update("u1", "add", vec![payload("hi")], true);
    let message = task_failure(buggy.activate(vec![add()]));
    assert!(
        message.contains("update handler `add` panicked: add is broken"),
        "{message}"
    );
    // The handler changed the state before it panicked: the run answers nothing more until
    // core evicts it (it always does after a failed activation).
    assert_eq!(task_failure(buggy.activate(vec![add()])), message);
    // Core evicts the run and the server retries the task with the update still pending; a
    // fixed worker rebuilds the run from the start and completes the update.
    let (_, commands) = TestRun::start_with::<FixedNotes>(vec![payload(1_usize)], vec![add()]);
    let responses = update_responses(&commands);
    assert!(
        matches!(
            responses.as_slice(),
            [update_response::Response::Accepted(()), update_response::Response::Completed(p)]
                if decode::<usize>(p).ok() == Some(1)
        ),
        "{commands:?}"
    );
    assert_eq!(completed_with::<usize>(&commands), 1);
}

#[test]
fn a_panic_in_an_async_update_fails_the_task_and_a_replay_on_a_fixed_worker_completes_it() {
    let (mut buggy, _) = TestRun::start::<BuggyNotes>(1_usize);
    let add_later = |run_validator| update("u1", "add_later", vec![payload("hi")], run_validator);
    let commands = buggy.commands(vec![add_later(true)]);
    assert!(
        matches!(
            update_responses(&commands).as_slice(),
            [update_response::Response::Accepted(())]
        ),
        "{commands:?}"
    );
    let message = task_failure(buggy.activate(vec![fire(1)]));
    assert!(
        message.contains("update handler `add_later` panicked: add_later is broken, not hi"),
        "{message}"
    );
    // The acceptance and the timer are in history; the fixed worker replays them (no validator
    // on replay) and completes the update when the timer fires.
    let (mut fixed, commands) =
        TestRun::start_with::<FixedNotes>(vec![payload(1_usize)], vec![add_later(false)]);
    assert!(
        matches!(
            commands.as_slice(),
            [Command::UpdateResponse(_), Command::StartTimer(t)] if t.seq == 1
        ),
        "{commands:?}"
    );
    let commands = fixed.commands(vec![fire(1)]);
    assert!(
        matches!(
            update_responses(&commands).as_slice(),
            [update_response::Response::Completed(p)] if decode::<usize>(p).ok() == Some(1)
        ),
        "{commands:?}"
    );
    assert_eq!(completed_with::<usize>(&commands), 1);
}

#[test]
fn a_panic_in_an_async_signal_fails_the_task() {
    let (mut run, _) = TestRun::start::<BuggyNotes>(1_usize);
    let commands = run.commands(vec![signal("add_eventually", vec![payload("hi")])]);
    assert!(
        matches!(commands.as_slice(), [Command::StartTimer(t)] if t.seq == 1),
        "{commands:?}"
    );
    let message = task_failure(run.activate(vec![fire(1)]));
    assert!(
        message.contains("add_eventually is broken, not hi"),
        "{message}"
    );
}

#[test]
fn a_panic_in_a_validator_rejects_the_update_and_the_run_goes_on() {
    let (mut run, _) = TestRun::start::<BuggyNotes>(1_usize);
    let commands = run.commands(vec![update("u1", "guarded", Vec::new(), true)]);
    let responses = update_responses(&commands);
    let [update_response::Response::Rejected(failure)] = responses.as_slice() else {
        panic!("{commands:?}")
    };
    assert_eq!(application_type(failure), failure_type::PANIC);
    assert!(
        failure.message.contains("the validator is broken"),
        "{}",
        failure.message
    );
    let commands = run.commands(vec![update("u2", "guarded", Vec::new(), false)]);
    assert_eq!(update_responses(&commands).len(), 2, "{commands:?}");
}

#[test]
fn unknown_updates_and_undecodable_arguments_are_rejected_before_acceptance() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let commands = run.commands(vec![
        update("u1", "nope", Vec::new(), true),
        update("u2", "add_note", vec![payload(5)], true),
    ]);
    let responses = update_responses(&commands);
    let [
        update_response::Response::Rejected(unknown),
        update_response::Response::Rejected(undecodable),
    ] = responses.as_slice()
    else {
        panic!("{commands:?}")
    };
    assert_eq!(application_type(unknown), failure_type::UPDATE_NOT_FOUND);
    assert!(
        unknown.message.contains("`add_note`, `slow_note`"),
        "{}",
        unknown.message
    );
    assert_eq!(application_type(undecodable), failure_type::PAYLOAD_ERROR);
}

#[test]
fn updates_with_more_arguments_than_declared_are_rejected_before_acceptance() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    // `add_note` has a validator, `slow_note` has none: both count before accepting.
    let commands = run.commands(vec![
        update("u1", "add_note", vec![payload("a"), payload("b")], true),
        update("u2", "slow_note", vec![payload("a"), payload("b")], true),
    ]);
    let responses = update_responses(&commands);
    let [
        update_response::Response::Rejected(validated),
        update_response::Response::Rejected(unvalidated),
    ] = responses.as_slice()
    else {
        panic!("{commands:?}")
    };
    for rejection in [validated, unvalidated] {
        assert_eq!(application_type(rejection), failure_type::PAYLOAD_ERROR);
        assert!(
            rejection
                .message
                .contains("declares 1 argument but received 2"),
            "{}",
            rejection.message
        );
    }
    let commands = run.commands(vec![query("note_count", vec![payload("a")])]);
    assert_eq!(query_value::<usize>(&commands), 0, "no handler ran");
}
