#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u64> {
        let a = ctx.state(|s| s.random());
        let b = ctx.state(|s| s.now());
        let c = Self::spawn();
        Ok(a + b + c)
    }

    fn random(&self) -> u64 {
        4
    }

    fn now(&self) -> u64 {
        0
    }

    fn spawn() -> u64 {
        1
    }
}

fn main() {}
