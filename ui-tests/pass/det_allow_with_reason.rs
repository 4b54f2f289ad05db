#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        #[allow_nondeterminism(reason = "debug timing only, never drives commands")]
        let started = std::time::Instant::now();
        let also = #[allow_nondeterminism(time, reason = "logged only")] std::time::SystemTime::now();
        Ok(())
    }
}

fn main() {}
