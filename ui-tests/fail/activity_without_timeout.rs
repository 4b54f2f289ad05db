use std::time::Duration;

use workflow_runtime::prelude::*;

#[activity]
async fn charge(_ctx: ActivityContext, cents: u64) -> Result<u64, ActivityError> {
    Ok(cents)
}

#[derive(Default)]
pub struct NoTimeout;

#[workflow]
impl NoTimeout {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u64> {
        // Temporal refuses an activity without a start-to-close or schedule-to-close timeout.
        let alone = ctx.activity(charge, 10).await?;
        let (a, b) = ctx
            .join(
                ctx.activity(charge, 1),
                ctx.activity(charge, 2)
                    .options(ActivityOptions::start_to_close(Duration::from_secs(1))),
            )
            .await;
        // The same for an activity called by name, for one implemented in another language.
        let _named = ctx.activity_by_name("charge", Vec::new()).await;
        // And for a local activity, whose options type is its own.
        let local = ctx.local_activity(charge, 3).await?;
        Ok(alone + a? + b? + local)
    }
}

fn main() {}
