//! A durable timer loop: send a reminder every interval, a fixed number of times. The timers
//! live on the server, so the loop survives worker restarts.
//!
//! The demo binary that runs it is `examples/reminders.rs` (`cargo run --example reminders`).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use workflow_runtime::prelude::*;

/// The task queue of the example.
pub const TASK_QUEUE: &str = "reminders";

/// What to remind, how often and how many times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderPlan {
    /// Who gets the reminders.
    pub recipient: String,
    /// Milliseconds between reminders.
    pub interval_ms: u64,
    /// How many reminders.
    pub count: u32,
}

/// Sends one reminder; returns the line it sent.
#[activity]
pub async fn send_reminder(
    _ctx: ActivityContext,
    recipient: String,
    number: u32,
) -> Result<String, ActivityError> {
    let line = format!("reminder {number} for {recipient}");
    println!("  [activity] {line}");
    Ok(line)
}

/// The reminder loop's state: the lines sent so far.
#[derive(Debug, Default)]
pub struct ReminderWorkflow {
    sent: Vec<String>,
}

#[workflow]
impl ReminderWorkflow {
    #[run]
    pub async fn run(
        ctx: WorkflowContext<Self>,
        plan: ReminderPlan,
    ) -> WorkflowResult<Vec<String>> {
        for number in 1..=plan.count {
            ctx.sleep(Duration::from_millis(plan.interval_ms)).await?;
            let line = ctx
                .activity(send_reminder, (plan.recipient.clone(), number))
                .options(ActivityOptions::start_to_close(Duration::from_secs(10)))
                .await?;
            tracing::info!(number, "reminder sent");
            ctx.state_mut(|s| s.sent.push(line));
        }
        Ok(ctx.state(|s| s.sent.clone()))
    }
}
