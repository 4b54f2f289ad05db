#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;
mod futures_like { pub fn join_all(v: Vec<u32>) -> Vec<u32> { v } }

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let (a, b) = tokio::join!(async { 1 }, async { 2 });
        let all = futures_like::join_all(vec![1, 2]);
        Ok(())
    }
}

fn main() {}
