//! Durable timers.

use std::time::{Duration, Instant};

use examples::reminders_workflow::{ReminderPlan, ReminderWorkflow, send_reminder};
use tests::{RunningWorker, client, task_queue};
use workflow_runtime::{StartOptions, Worker, testing::TestEnvironment};

use crate::workflows::TimerWorkflow;

#[tokio::test]
async fn timers_fire_after_their_duration_in_workflow_time() {
    let client = client().await;
    let queue = task_queue("timers");
    let worker = RunningWorker::start(Worker::new(&client, &queue).workflow::<TimerWorkflow>());
    let started = Instant::now();
    let (fired, workflow_elapsed_ms) = client
        .execute(
            TimerWorkflow::run,
            (300, 3),
            StartOptions::new(&queue, &queue),
        )
        .await
        .expect("workflow result");
    assert_eq!(fired, 3);
    assert!(
        workflow_elapsed_ms >= 900,
        "workflow time advanced {workflow_elapsed_ms} ms"
    );
    assert!(started.elapsed() >= Duration::from_millis(900));
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn reminder_example_loops_over_durable_timers() {
    // Daily reminders, three days of them, on the time-skipping server.
    let env = TestEnvironment::time_skipping().await.expect("test server");
    let client = env.client();
    let queue = task_queue("reminders");
    let worker = RunningWorker::start(
        env.worker(&queue)
            .workflow::<ReminderWorkflow>()
            .activity(send_reminder),
    );
    let before = env.now().await.expect("clock");
    let plan = ReminderPlan {
        recipient: "alice".into(),
        interval_ms: 24 * 3600 * 1000,
        count: 3,
        per_run: 0,
        sent: Vec::new(),
    };
    let sent = client
        .execute(
            ReminderWorkflow::run,
            plan,
            StartOptions::new(&queue, &queue),
        )
        .await
        .expect("workflow result");
    assert_eq!(
        sent,
        vec![
            "reminder 1 for alice",
            "reminder 2 for alice",
            "reminder 3 for alice"
        ]
    );
    let days = env.now().await.expect("clock").duration_since(before);
    assert!(
        days.as_ref()
            .is_ok_and(|d| *d >= Duration::from_secs(3 * 24 * 3600)),
        "three days passed: {days:?}"
    );
    worker.stop().await.expect("clean shutdown");
}
