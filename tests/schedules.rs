//! Schedules against the dev server: created with interval, calendar and cron specs, found in
//! the list, described, updated, paused and unpaused with notes, triggered, backfilled and
//! deleted; a taken id and an unknown schedule are typed errors. The seed's recurring workflow
//! (`examples::recurring_workflow`) runs under one.

use std::time::{Duration, SystemTime};

use examples::recurring_workflow::{CartCleanup, cleanup_schedule, purge_expired_carts};
use futures::TryStreamExt;
use tests::{PATIENCE, client, eventually, task_queue};
use workflow_runtime::{
    RunningWorker, Schedule, ScheduleAction, ScheduleCalendar, ScheduleOverlapPolicy, ScheduleSpec,
    prelude::*,
};

#[tokio::test]
async fn a_schedule_is_created_triggered_backfilled_updated_paused_and_deleted() {
    let client = client().await;
    let queue = task_queue("schedules");
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<CartCleanup>()
            .activity(purge_expired_carts),
    );
    let schedule_id = format!("{queue}-cleanup");
    // Hourly and at 03:00 on Mondays: nothing fires during the test on its own.
    let action = ScheduleAction::start_workflow(
        CartCleanup::run,
        6,
        StartOptions::new(format!("{queue}-run"), &queue),
    )
    .expect("the input encodes");
    let spec = ScheduleSpec::every(Duration::from_secs(3600))
        .calendar(ScheduleCalendar::new().hour("3").day_of_week("MON"))
        .cron("0 4 1 * *")
        .jitter(Duration::from_secs(1))
        .time_zone("Europe/Berlin");
    let handle = client
        .create_schedule(
            &schedule_id,
            Schedule::new(action.clone(), spec.clone())
                .overlap(ScheduleOverlapPolicy::BufferOne)
                .catchup_window(Duration::from_secs(600)),
        )
        .await
        .expect("create");

    let taken = client
        .create_schedule(&schedule_id, Schedule::new(action, spec))
        .await
        .expect_err("the id is taken");
    assert!(
        matches!(taken, ClientError::ScheduleAlreadyExists { ref schedule_id, .. } if schedule_id.ends_with("-cleanup")),
        "{taken:?}"
    );

    let described = handle.describe().await.expect("describe");
    assert_eq!(described.schedule.workflow_type(), "CartCleanup");
    assert_eq!(
        described.schedule.overlap_policy(),
        ScheduleOverlapPolicy::BufferOne
    );
    assert_eq!(
        described.schedule.catchup_window_length(),
        Some(Duration::from_secs(600))
    );
    assert_eq!(
        described.schedule.intervals(),
        [(Duration::from_secs(3600), Duration::ZERO)]
    );
    assert!(!described.next_action_times.is_empty());
    assert_eq!(described.action_count, 0);

    let listed = eventually(PATIENCE, "the schedule to be listed", || async {
        let all: Vec<_> = client.list_schedules("").try_collect().await.expect("list");
        all.into_iter()
            .find(|s| s.schedule_id == schedule_id)
            .ok_or("not yet")
    })
    .await;
    assert_eq!(listed.workflow_type, "CartCleanup");

    // Triggered now: one run, which does its work.
    handle.trigger().await.expect("trigger");
    let first = eventually(PATIENCE, "the triggered run", || async {
        let runs = handle.describe().await.expect("describe").recent_runs;
        runs.into_iter().next().ok_or("no run yet")
    })
    .await;
    assert!(first.workflow_id.starts_with(&format!("{queue}-run")));
    let purged: u32 = client
        .handle::<CartCleanup>(&first.workflow_id)
        .result()
        .await
        .expect("the run's result");
    assert_eq!(purged, 12);

    // A backfill of three past hours takes three more actions.
    let now = SystemTime::now();
    handle
        .backfill(
            now - Duration::from_secs(3 * 3600 + 60),
            now - Duration::from_secs(60),
            ScheduleOverlapPolicy::AllowAll,
        )
        .await
        .expect("backfill");
    eventually(PATIENCE, "the backfilled runs", || async {
        let count = handle.describe().await.expect("describe").action_count;
        if count >= 4 { Ok(()) } else { Err(count) }
    })
    .await;

    // Update: read, modify, write back.
    handle
        .update(|schedule| schedule.overlap(ScheduleOverlapPolicy::AllowAll))
        .await
        .expect("update");
    assert_eq!(
        handle
            .describe()
            .await
            .expect("describe")
            .schedule
            .overlap_policy(),
        ScheduleOverlapPolicy::AllowAll
    );

    handle.pause("maintenance window").await.expect("pause");
    let paused = handle.describe().await.expect("describe").schedule;
    assert!(paused.is_paused());
    assert_eq!(paused.note(), "maintenance window");
    handle.unpause("maintenance over").await.expect("unpause");
    let unpaused = handle.describe().await.expect("describe").schedule;
    assert!(!unpaused.is_paused());
    assert_eq!(unpaused.note(), "maintenance over");

    // Created paused, and firing only inside a window that starts tomorrow and ends in a week.
    let start = SystemTime::now() + Duration::from_secs(24 * 3600);
    let end = start + Duration::from_secs(6 * 24 * 3600);
    let windowed = client
        .create_schedule(
            format!("{schedule_id}-windowed"),
            Schedule::new(
                ScheduleAction::start_workflow(
                    CartCleanup::run,
                    1,
                    StartOptions::new(format!("{queue}-windowed"), &queue),
                )
                .expect("the input encodes"),
                ScheduleSpec::every(Duration::from_secs(24 * 3600))
                    .starting_at(start)
                    .ending_at(end),
            )
            .pause_on_failure(true)
            .paused("created paused"),
        )
        .await
        .expect("create");
    let described = windowed.describe().await.expect("describe");
    assert!(described.schedule.is_paused());
    assert_eq!(described.schedule.note(), "created paused");
    assert!(described.schedule.pauses_on_failure());
    assert!(!described.next_action_times.is_empty());
    assert!(
        described
            .next_action_times
            .iter()
            .all(|at| *at >= start && *at <= end),
        "{described:?}"
    );
    windowed.delete().await.expect("delete");

    handle.delete().await.expect("delete");
    let gone = handle.describe().await.expect_err("deleted");
    assert!(
        matches!(gone, ClientError::ScheduleNotFound { .. }),
        "{gone:?}"
    );
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn the_recurring_workflow_runs_on_its_schedule() {
    let client = client().await;
    let queue = task_queue("recurring");
    // The example's worker listens on the example's queue; this test runs the same workflow
    // and schedule on a queue of its own.
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<CartCleanup>()
            .activity(purge_expired_carts),
    );
    let schedule = cleanup_schedule(Duration::from_secs(2), &format!("{queue}-run"))
        .expect("schedule")
        .action(
            ScheduleAction::start_workflow(
                CartCleanup::run,
                24,
                StartOptions::new(format!("{queue}-run"), &queue),
            )
            .expect("the input encodes"),
        );
    let handle = client
        .create_schedule(format!("{queue}-cleanup"), schedule)
        .await
        .expect("create");
    // Two runs on the timetable, without a trigger.
    let runs = eventually(PATIENCE, "two scheduled runs", || async {
        let runs = handle.describe().await.expect("describe").recent_runs;
        if runs.len() >= 2 {
            Ok(runs)
        } else {
            Err(runs.len())
        }
    })
    .await;
    for run in &runs[..2] {
        let purged: u32 = client
            .handle::<CartCleanup>(&run.workflow_id)
            .result()
            .await
            .expect("result");
        assert_eq!(purged, 48);
        assert!(run.scheduled_at.is_some() && run.started_at >= run.scheduled_at);
    }
    handle.delete().await.expect("delete");
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn an_update_that_races_another_writer_is_applied_and_the_last_write_wins() {
    let client = client().await;
    let queue = task_queue("schedule-race");
    let schedule_id = format!("{queue}-cleanup");
    let action = ScheduleAction::start_workflow(
        CartCleanup::run,
        6,
        StartOptions::new(format!("{queue}-run"), &queue),
    )
    .expect("the input encodes");
    let handle = client
        .create_schedule(
            &schedule_id,
            Schedule::new(action, ScheduleSpec::every(Duration::from_secs(3600)))
                .paused("never fires in this test"),
        )
        .await
        .expect("create");
    handle
        .update(|schedule| {
            // Another writer changes the schedule between this update's read and its write,
            // on a runtime and a connection of its own.
            {
                let schedule_id = schedule_id.clone();
                std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("a runtime");
                    runtime.block_on(async {
                        tests::client()
                            .await
                            .schedule_handle(&schedule_id)
                            .update(|schedule| schedule.catchup_window(Duration::from_secs(600)))
                            .await
                            .expect("the other writer's update");
                    });
                })
                .join()
                .expect("the other writer");
            }
            schedule.overlap(ScheduleOverlapPolicy::AllowAll)
        })
        .await
        .expect("the update");
    // The server applies updates in order; the check waits for the last.
    let schedule = eventually(PATIENCE, "the update to be applied", || async {
        let schedule = handle.describe().await.map_err(|e| e.to_string())?.schedule;
        if schedule.overlap_policy() == ScheduleOverlapPolicy::AllowAll {
            Ok(schedule)
        } else {
            Err(format!("{:?}", schedule.overlap_policy()))
        }
    })
    .await;
    assert_ne!(
        schedule.catchup_window_length(),
        Some(Duration::from_secs(600)),
        "the last write replaced the other writer's change"
    );
    handle.delete().await.expect("delete");
}
