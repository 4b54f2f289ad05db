//! Durable timers.

use std::time::{Duration, Instant};

use examples::reminders_workflow::{ReminderPlan, ReminderWorkflow, send_reminder};
use tests::{RunningWorker, client, task_queue};
use workflow_runtime::{StartOptions, Worker};

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
    let client = client().await;
    let queue = task_queue("reminders");
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<ReminderWorkflow>()
            .activity(send_reminder),
    );
    let plan = ReminderPlan {
        recipient: "alice".into(),
        interval_ms: 100,
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
    worker.stop().await.expect("clean shutdown");
}
