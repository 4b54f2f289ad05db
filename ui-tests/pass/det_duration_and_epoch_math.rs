#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let timeout = std::time::Duration::from_secs(30);
        let since_epoch = ctx.now().duration_since(std::time::UNIX_EPOCH);
        let doubled = timeout * 2;
        Ok(())
    }
}

fn main() {}
