//! Scheduling activities and resolving them.

use super::*;

#[test]
fn an_activity_is_scheduled_with_its_type_queue_and_timeouts() {
    let (_, commands) = TestRun::start::<Checkout>(250_u64);
    let [command] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    let schedule = scheduled_activity(command);
    assert_eq!(schedule.seq, 1);
    assert_eq!(schedule.activity_type, "charge");
    assert_eq!(schedule.task_queue, "queue");
    assert_eq!(decode::<u64>(&schedule.arguments[0]).ok(), Some(250));
    assert_eq!(
        schedule.start_to_close_timeout,
        Some(prost_wkt_types::Duration {
            seconds: 5,
            nanos: 0
        })
    );
}

#[test]
fn an_activity_result_resumes_the_run() {
    let (mut run, _) = TestRun::start::<Checkout>(250_u64);
    let commands = run.commands(vec![completed(1, payload("txn-250"))]);
    assert!(matches!(commands.as_slice(), [Command::StartTimer(t)] if t.seq == 1));
    let commands = run.commands(vec![fire(1)]);
    assert_eq!(completed_with::<String>(&commands), "txn-250");
}

#[test]
fn an_activity_failure_reaches_the_workflow_failure_with_the_activity_s_type() {
    let (mut run, _) = TestRun::start::<Checkout>(250_u64);
    let failure = Failure {
        message: "Activity task failed".to_owned(),
        cause: Some(Box::new(application("PaymentDeclined", "card declined"))),
        ..Default::default()
    };
    let commands = run.commands(vec![resolve(
        1,
        activity_resolution::Status::Failed(activity_result::Failure {
            failure: Some(failure),
            ..Default::default()
        }),
    )]);
    let failed = failed_with(&commands);
    let cause = failed
        .cause
        .as_deref()
        .expect("the activity's failure is kept");
    assert_eq!(application_type(cause), "PaymentDeclined");
    assert_eq!(cause.message, "card declined");
}

#[test]
fn a_cancelled_activity_fails_the_run_with_a_cancellation() {
    let (mut run, _) = TestRun::start::<Checkout>(250_u64);
    let cancelled = Failure {
        message: "cancelled".to_owned(),
        failure_info: Some(FailureInfo::CanceledFailureInfo(Default::default())),
        ..Default::default()
    };
    let commands = run.commands(vec![resolve(
        1,
        activity_resolution::Status::Cancelled(activity_result::Cancellation {
            failure: Some(cancelled),
        }),
    )]);
    let failed = failed_with(&commands);
    assert!(matches!(
        failed.failure_info,
        Some(FailureInfo::CanceledFailureInfo(_))
    ));
}

#[test]
fn an_activity_result_that_does_not_decode_fails_the_run_naming_the_activity() {
    let (mut run, _) = TestRun::start::<Checkout>(250_u64);
    let commands = run.commands(vec![completed(1, payload(12))]);
    let failed = failed_with(&commands);
    assert_eq!(application_type(failed), failure_type::PAYLOAD_ERROR);
    assert!(failed.message.contains("`charge`"), "{}", failed.message);
}

#[test]
fn joined_activities_are_scheduled_in_argument_order_in_one_activation() {
    let (mut run, commands) = TestRun::start::<Race>(true);
    let seqs: Vec<(u32, u64)> = commands
        .iter()
        .map(scheduled_activity)
        .map(|s| (s.seq, decode(&s.arguments[0]).expect("u64")))
        .collect();
    assert_eq!(seqs, [(1, 1), (2, 2)]);
    // Results may arrive in any order; the run sees each at its own place.
    let commands = run.commands(vec![completed(2, payload("b")), completed(1, payload("a"))]);
    assert_eq!(completed_with::<String>(&commands), "a+b");
}

#[test]
fn an_activity_resolved_after_the_run_finished_is_ignored() {
    let (mut run, _) = TestRun::start::<Race>(false);
    run.commands(vec![fire(1)]);
    assert!(run.commands(vec![completed(1, payload("late"))]).is_empty());
}
