//! Local activities: their commands, numbered with activities, and the backoff timer a retry
//! past the local retry threshold waits on.

use temporalio_common::protos::coresdk::workflow_commands::ScheduleLocalActivity;

use super::*;

/// A local activity, then an activity, then a local activity again.
#[derive(Default)]
pub struct Mixed;

#[workflow]
impl Mixed {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, cents: u64) -> WorkflowResult<String> {
        let options = LocalActivityOptions::start_to_close(Duration::from_secs(2))
            .local_retry_threshold(Duration::from_secs(10));
        let first = ctx
            .local_activity(charge, cents)
            .options(options.clone())
            .await?;
        let second = ctx
            .activity(charge, cents + 1)
            .options(charge_options())
            .await?;
        let third = ctx
            .local_activity(charge, cents + 2)
            .options(options)
            .await?;
        Ok(format!("{first} {second} {third}"))
    }
}

fn scheduled_local(command: &Command) -> &ScheduleLocalActivity {
    match command {
        Command::ScheduleLocalActivity(schedule) => schedule,
        other => panic!("expected ScheduleLocalActivity, got {other:?}"),
    }
}

fn resolve_local(seq: u32, status: activity_resolution::Status) -> Job {
    let Job::ResolveActivity(mut resolve) = resolve(seq, status) else {
        unreachable!("resolve builds a ResolveActivity")
    };
    resolve.is_local = true;
    Job::ResolveActivity(resolve)
}

fn backoff(attempt: u32, seconds: i64) -> activity_resolution::Status {
    activity_resolution::Status::Backoff(activity_result::DoBackoff {
        attempt,
        backoff_duration: Some(prost_wkt_types::Duration { seconds, nanos: 0 }),
        original_schedule_time: Some(prost_wkt_types::Timestamp {
            seconds: 1_700_000_000,
            nanos: 0,
        }),
    })
}

fn success(result: Payload) -> activity_resolution::Status {
    activity_resolution::Status::Completed(activity_result::Success {
        result: Some(result),
    })
}

#[test]
fn local_activities_share_the_activities_numbers_and_carry_their_options() {
    let (mut run, commands) = TestRun::start::<Mixed>(10_u64);
    let [command] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    let first = scheduled_local(command);
    assert_eq!((first.seq, first.activity_id.as_str()), (1, "1"));
    assert_eq!(first.activity_type, "charge");
    assert_eq!(first.attempt, 1);
    assert_eq!(first.original_schedule_time, None);
    assert_eq!(decode::<u64>(&first.arguments[0]).ok(), Some(10));
    assert_eq!(
        first.local_retry_threshold,
        Some(prost_wkt_types::Duration {
            seconds: 10,
            nanos: 0
        })
    );

    let commands = run.commands(vec![resolve_local(1, success(payload("a")))]);
    assert_eq!(scheduled_activity(&commands[0]).seq, 2);
    let commands = run.commands(vec![completed(2, payload("b"))]);
    let third = scheduled_local(&commands[0]);
    assert_eq!((third.seq, third.activity_id.as_str()), (3, "3"));
    let commands = run.commands(vec![resolve_local(3, success(payload("c")))]);
    assert_eq!(completed_with::<String>(&commands), "a b c");
}

#[test]
fn a_backoff_waits_on_a_durable_timer_then_schedules_the_next_attempt_under_a_new_number() {
    let (mut run, _) = TestRun::start::<Mixed>(10_u64);
    let commands = run.commands(vec![resolve_local(1, backoff(4, 30))]);
    let [Command::StartTimer(timer)] = commands.as_slice() else {
        panic!("expected the backoff timer, got {commands:?}")
    };
    assert_eq!(timer.seq, 1);
    assert_eq!(
        timer.start_to_fire_timeout,
        Some(prost_wkt_types::Duration {
            seconds: 30,
            nanos: 0
        })
    );

    let commands = run.commands(vec![fire(1)]);
    let [command] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    let retry = scheduled_local(command);
    assert_eq!((retry.seq, retry.activity_id.as_str()), (2, "2"));
    assert_eq!(retry.attempt, 4);
    assert_eq!(
        retry.original_schedule_time.as_ref().map(|t| t.seconds),
        Some(1_700_000_000)
    );
    assert_eq!(decode::<u64>(&retry.arguments[0]).ok(), Some(10));

    let commands = run.commands(vec![resolve_local(2, success(payload("a")))]);
    assert_eq!(
        scheduled_activity(&commands[0]).seq,
        3,
        "the next activity comes after the retry's number"
    );
}

#[test]
fn the_workflow_s_cancellation_cancels_a_local_activity_with_its_own_command_and_a_backoff_timer_at_once()
 {
    let (mut run, _) = TestRun::start::<Mixed>(10_u64);
    let commands = run.commands(vec![Job::CancelWorkflow(CancelWorkflow {
        reason: "stop".to_owned(),
    })]);
    assert!(
        matches!(
            commands.as_slice(),
            [Command::RequestCancelLocalActivity(cancel)] if cancel.seq == 1
        ),
        "{commands:?}"
    );

    let (mut run, _) = TestRun::start::<Mixed>(10_u64);
    run.commands(vec![resolve_local(1, backoff(2, 30))]);
    let commands = run.commands(vec![Job::CancelWorkflow(CancelWorkflow {
        reason: "stop".to_owned(),
    })]);
    let [
        Command::CancelTimer(cancel),
        Command::CancelWorkflowExecution(_),
    ] = commands.as_slice()
    else {
        panic!("expected the backoff timer's cancel and the run's, got {commands:?}")
    };
    assert_eq!(cancel.seq, 1);
}
