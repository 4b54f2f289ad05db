#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let a = async { 1 };
        let b = async { 2 };
        tokio::select! {
            biased;
            x = a => {}
            y = b => {}
        }
        Ok(())
    }
}

fn main() {}
