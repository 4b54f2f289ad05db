use std::time::SystemTime;

use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Stamps {
    stamps: Vec<(SystemTime, u64)>,
}

#[workflow]
impl Stamps {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<usize> {
        ctx.wait_condition(|s| !s.stamps.is_empty()).await?;
        Ok(ctx.state(|s| s.stamps.len()))
    }

    // A sync handler reaches `ctx.now()` and `ctx.random()` through a `&HandlerContext`,
    // which the errors point to.
    #[signal]
    pub fn stamp(&mut self) {
        self.stamps.push((SystemTime::now(), rand::random()));
    }

    // With the context taken, the errors name its calls alone.
    #[signal]
    pub fn stamp_with(&mut self, ctx: &HandlerContext) {
        let _ = ctx;
        self.stamps.push((SystemTime::now(), 0));
    }
}

fn main() {}
