//! Signals, sync and async.

use super::*;

#[test]
fn a_signal_in_the_first_activation_is_applied_before_run_starts() {
    // Signal-with-start: core puts the signal after the start job, before run is polled.
    let (_, commands) = TestRun::start_with::<Approval>(
        vec![payload(60_u64)],
        vec![signal("approve", vec![payload(true)])],
    );
    assert_eq!(commands.len(), 1, "no timer is needed: {commands:?}");
    assert_eq!(completed_with::<String>(&commands), "approved");
}

#[test]
fn a_signal_after_start_wakes_a_waiting_condition() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let commands = run.commands(vec![signal("approve", vec![payload(false)])]);
    assert_eq!(completed_with::<String>(&commands), "rejected");
}

#[test]
fn an_unknown_signal_is_dropped_and_the_run_goes_on() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    assert!(run.commands(vec![signal("nope", Vec::new())]).is_empty());
    let commands = run.commands(vec![fire(1)]);
    assert_eq!(completed_with::<String>(&commands), "timed out");
}

#[test]
fn a_signal_whose_arguments_do_not_decode_is_dropped() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    assert!(
        run.commands(vec![signal("approve", vec![payload("yes")])])
            .is_empty()
    );
    let commands = run.commands(vec![signal("approve", vec![payload(true)])]);
    assert_eq!(completed_with::<String>(&commands), "approved");
}

#[test]
fn a_signal_with_more_arguments_than_declared_is_dropped() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    assert!(
        run.commands(vec![signal("approve", vec![payload(true), payload(false)])])
            .is_empty()
    );
    let commands = run.commands(vec![query("status", Vec::new())]);
    assert_eq!(query_value::<Option<bool>>(&commands), None);
    let commands = run.commands(vec![signal("approve", vec![payload(false)])]);
    assert_eq!(completed_with::<String>(&commands), "rejected");
}

#[test]
fn a_panic_in_a_sync_signal_fails_the_task() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let message = task_failure(run.activate(vec![signal("explode", Vec::new())]));
    assert!(
        message.contains("signal handler `explode` panicked"),
        "{message}"
    );
    assert!(message.contains("signal handler exploded"), "{message}");
}

#[test]
fn an_async_signal_runs_activities_and_run_waits_for_it() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let commands = run.commands(vec![signal("refund", vec![payload(5_u64)])]);
    let [command] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    assert_eq!(scheduled_activity(command).seq, 1);
    // Approved while the refund runs: run waits for the handler before it returns.
    let commands = run.commands(vec![signal("approve", vec![payload(true)])]);
    assert!(
        matches!(commands.as_slice(), [Command::CancelTimer(_)]),
        "{commands:?}"
    );
    let commands = run.commands(vec![completed(1, payload("txn-5"))]);
    assert_eq!(completed_with::<String>(&commands), "approved");
}

#[test]
fn an_error_from_an_async_signal_fails_the_workflow() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let commands = run.commands(vec![signal("abort", vec![payload("changed my mind")])]);
    let failed = failed_with(&commands);
    assert_eq!(application_type(failed), "Aborted");
    assert_eq!(failed.message, "changed my mind");
}

#[test]
fn handlers_are_called_through_their_path() {
    use crate::workflow::handler_fn::{QueryFn, SignalFn, UpdateFn};
    // `#[signal]`, `#[query]` and `#[update]` leave the handler's reference under the method's
    // name; it carries the wire name and still calls the method.
    let mut approval = Approval::default();
    Approval::approve(&mut approval, true);
    assert_eq!(Approval::status(&approval), Some(true));
    assert_eq!(
        Approval::add_note(&mut approval, "first".to_owned()).ok(),
        Some(1)
    );
    assert_eq!(Approval::note_count(&approval, "fi".to_owned()), 1);
    assert_eq!(
        SignalFn::<Approval>::wire_name(&Approval::approve),
        "approve"
    );
    assert_eq!(
        QueryFn::<Approval>::wire_name(&Approval::note_count),
        "note_count"
    );
    assert_eq!(
        UpdateFn::<Approval>::wire_name(&Approval::slow_note),
        "slow_note"
    );
}
