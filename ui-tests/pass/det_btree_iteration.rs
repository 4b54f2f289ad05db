#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let mut totals = std::collections::BTreeMap::new();
        totals.insert(1u64, 2u64);
        for (_, total) in &totals {
            ctx.sleep(Duration::from_millis(*total)).await?;
        }
        Ok(())
    }
}

fn main() {}
