use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Countdown {
    remaining: u32,
}

#[workflow]
impl Countdown {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, from: u32) -> WorkflowResult<u32> {
        for _ in 0..from {
            ctx.sleep(std::time::Duration::from_secs(1)).await?;
            ctx.state_mut(|s| s.remaining += 1);
        }
        Ok(ctx.state(|s| s.remaining))
    }
}
