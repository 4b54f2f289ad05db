//! Durable timers.

use super::*;

#[test]
fn a_fired_timer_resumes_the_run() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let commands = run.commands(vec![fire(1)]);
    assert_eq!(completed_with::<String>(&commands), "timed out");
}

#[test]
fn a_timer_fired_after_it_was_cancelled_is_ignored() {
    let (mut run, _) = TestRun::start::<Race>(false);
    let commands = run.commands(vec![completed(1, payload("txn-3"))]);
    assert!(matches!(commands.first(), Some(Command::CancelTimer(t)) if t.seq == 1));
    assert_eq!(completed_with::<String>(&commands), "txn-3");
    assert!(run.commands(vec![fire(1)]).is_empty());
}

#[test]
fn a_zero_sleep_completes_without_a_timer() {
    let (_, commands) = TestRun::start::<Quick>("zero-sleep");
    assert_eq!(commands.len(), 1, "{commands:?}");
    assert_eq!(completed_with::<u64>(&commands), 0);
}

#[test]
fn a_timer_that_wins_a_select_cancels_the_activity() {
    let (mut run, first) = TestRun::start::<Race>(false);
    assert!(matches!(
        first.as_slice(),
        [Command::ScheduleActivity(_), Command::StartTimer(_)]
    ));
    let commands = run.commands(vec![fire(1)]);
    assert!(
        matches!(commands.first(), Some(Command::RequestCancelActivity(c)) if c.seq == 1),
        "{commands:?}"
    );
    assert_eq!(completed_with::<String>(&commands), "timer");
}

#[test]
fn timers_and_activities_are_finished_once_they_returned() {
    let (mut run, first) = TestRun::start::<Fused>(1_u64);
    assert!(
        matches!(first.as_slice(), [Command::StartTimer(_)]),
        "{first:?}"
    );
    let scheduled = run.commands(vec![fire(1)]);
    assert!(
        matches!(scheduled.as_slice(), [Command::ScheduleActivity(_)]),
        "{scheduled:?}"
    );
    let commands = run.commands(vec![completed(1, payload("txn-5"))]);
    assert_eq!(
        completed_with::<Vec<bool>>(&commands),
        [false, false, true, true]
    );
}
