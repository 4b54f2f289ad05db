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
        let id = ctx.uuid4();
        let n = ctx.random();
        let f = ctx.random_f64();
        let (a, b) = ctx.join(async { 1 }, async { 2 }).await;
        let first = ctx.select(async { 1 }, async { 2 }).await;
        Ok(())
    }
}

fn main() {}
