//! A durable timer loop: a reminder every 500 ms, five times, on a dev server this example
//! starts itself. Each run sends two and continues as new; the client's result follows the
//! chain to the last run.
//!
//! ```text
//! cargo run --example reminders
//! ```
//!
//! The workflow and its activity are in `examples/src/reminders_workflow.rs`.

use examples::reminders_workflow::{ReminderPlan, ReminderWorkflow, TASK_QUEUE, send_reminder};
use workflow_runtime::{prelude::*, testing::DevServer};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    examples::init_logging("warn,examples=info");
    let server = DevServer::start().await?;
    let client = server.client().await?;
    let worker = Worker::new(&client, TASK_QUEUE)
        .workflow::<ReminderWorkflow>()
        .activity(send_reminder);
    let shutdown = worker.shutdown_handle();
    let worker = tokio::spawn(worker.run());

    let plan = ReminderPlan {
        recipient: "alice".into(),
        interval_ms: 500,
        count: 5,
        per_run: 2,
        sent: Vec::new(),
    };
    let started = std::time::Instant::now();
    let sent = client
        .execute(
            ReminderWorkflow::run,
            plan,
            StartOptions::new("reminders-demo", TASK_QUEUE),
        )
        .await?;
    println!(
        "{} reminders sent in {:.1?}: {sent:?}",
        sent.len(),
        started.elapsed()
    );

    shutdown.shutdown();
    worker.await??;
    Ok(())
}
