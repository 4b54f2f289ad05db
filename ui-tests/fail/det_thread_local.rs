#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        thread_local! {
            static SEEN: std::cell::Cell<u32> = std::cell::Cell::new(0);
        }
        Ok(())
    }
}

fn main() {}
