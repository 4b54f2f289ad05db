#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let mut totals = std::collections::HashMap::new();
        totals.insert("a", 1);
        for (name, total) in &totals {
            ctx.sleep(Duration::from_secs(*total)).await?;
        }
        Ok(())
    }
}

fn main() {}
