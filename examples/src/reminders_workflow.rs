//! A durable timer loop: send a reminder every interval, a fixed number of times. The timers
//! live on the server, so the loop survives worker restarts. Every `per_run` reminders the
//! run continues as new, carrying what it sent, so the loop can run for ever without its
//! history growing past Temporal's limits.
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
    /// Reminders per run before it continues as new (0: only when the server suggests it).
    #[serde(default)]
    pub per_run: u32,
    /// The lines sent by the earlier runs of the chain.
    #[serde(default)]
    pub sent: Vec<String>,
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

/// The reminder loop's state: the lines sent so far, by this run and the runs before it.
#[derive(Debug, Default)]
pub struct ReminderWorkflow {
    sent: Vec<String>,
}

#[workflow]
impl ReminderWorkflow {
    /// Sends the reminders, continuing as new every `per_run` of them.
    #[run]
    pub async fn run(
        ctx: WorkflowContext<Self>,
        plan: ReminderPlan,
    ) -> WorkflowResult<Vec<String>> {
        ctx.state_mut(|s| s.sent = plan.sent.clone());
        let first = plan.sent.len() as u32 + 1;
        for number in first..=plan.count {
            let sent_in_this_run = number - first;
            let run_full = plan.per_run > 0 && sent_in_this_run == plan.per_run;
            if run_full || ctx.info().continue_as_new_suggested {
                let next = ReminderPlan {
                    sent: ctx.state(|s| s.sent.clone()),
                    ..plan
                };
                return ctx.continue_as_new(ReminderWorkflow::run, next).await;
            }
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
