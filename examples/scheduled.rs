//! A recurring workflow driven by a schedule, on a dev server this example starts itself: the
//! schedule runs a cart cleanup every 5 seconds, is triggered once by hand, paused with a note,
//! and deleted; each run and the schedule's own account of them are printed.
//!
//! ```text
//! cargo run --example scheduled
//! ```

use std::time::Duration;

use examples::recurring_workflow::{cleanup_schedule, worker};
use workflow_runtime::{RunningWorker, testing::DevServer};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    examples::init_logging("warn,examples=info");
    let server = DevServer::start().await?;
    let client = server.client().await?;
    let running = RunningWorker::start(worker(&client));

    let schedule = client
        .create_schedule(
            "cart-cleanup",
            cleanup_schedule(Duration::from_secs(5), "cart-cleanup")?,
        )
        .await?;
    println!("Schedule `cart-cleanup` created: every 5 s.");
    schedule.trigger().await?;
    println!("  triggered once by hand");

    // Two runs: the triggered one and at least one on the timetable.
    let runs = loop {
        let description = schedule.describe().await?;
        if description.recent_runs.len() >= 2 && description.running.is_empty() {
            break description.recent_runs;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    for run in &runs {
        let purged: u32 = client
            .handle::<examples::recurring_workflow::CartCleanup>(&run.workflow_id)
            .result()
            .await?;
        println!("  run `{}` purged {purged} carts", run.workflow_id);
    }

    schedule.pause("paused by the example").await?;
    let description = schedule.describe().await?;
    println!(
        "Paused: {} (note: {:?}); {} actions taken in all.",
        description.schedule.is_paused(),
        description.schedule.note(),
        description.action_count
    );
    schedule.delete().await?;
    println!("Deleted.");
    running.stop().await?;
    Ok(())
}
