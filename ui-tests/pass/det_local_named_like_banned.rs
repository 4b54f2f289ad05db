#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let now = ctx.now();
        let later = now + Duration::from_secs(5);
        let random = ctx.random();
        let sleep = Duration::from_secs(1);
        ctx.sleep(sleep).await?;
        Ok(())
    }
}

fn main() {}
