#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let f = || std::time::Instant::now();
        let g = async { std::thread::sleep(Duration::from_millis(1)) };
        Ok(())
    }
}

fn main() {}
