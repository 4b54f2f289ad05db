#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;
mod futures { pub mod executor { pub fn block_on<F>(_: F) {} } }

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        futures::executor::block_on(async {});
        Ok(())
    }
}

fn main() {}
