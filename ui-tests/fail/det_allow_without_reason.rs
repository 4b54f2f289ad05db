#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        #[allow_nondeterminism]
        let started = std::time::SystemTime::now();
        Ok(())
    }
}

fn main() {}
