#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;
mod jiff { pub struct Timestamp; impl Timestamp { pub fn now() {} } }

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let now = jiff::Timestamp::now();
        Ok(())
    }
}

fn main() {}
