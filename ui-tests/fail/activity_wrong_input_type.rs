use std::time::Duration;

use workflow_runtime::prelude::*;

#[activity]
async fn charge(_ctx: ActivityContext, cents: u64) -> Result<u64, ActivityError> {
    Ok(cents)
}

#[derive(Default)]
pub struct Wrong;

#[workflow]
impl Wrong {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u64> {
        Ok(ctx
            .activity(charge, "ten dollars".to_owned())
            .options(ActivityOptions::start_to_close(Duration::from_secs(1)))
            .await?)
    }
}

fn main() {}
