#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;

/// The file's own functions, named like library calls the check refuses.
fn random() -> u32 {
    4
}

fn sleep(_: Duration) {}

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u32> {
        sleep(Duration::from_secs(1));
        Ok(random())
    }
}

fn main() {}
