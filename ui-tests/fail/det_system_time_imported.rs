#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;
use std::time::SystemTime;

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let started = SystemTime::now();
        Ok(())
    }
}

fn main() {}
