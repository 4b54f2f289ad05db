#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let epoch = std::time::UNIX_EPOCH;
        let waited = std::time::SystemTime::elapsed(&epoch);
        Ok(())
    }
}

fn main() {}
