#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;
mod chrono { pub struct Utc; impl Utc { pub fn now() {} } }

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let now = chrono::Utc::now();
        Ok(())
    }
}

fn main() {}
