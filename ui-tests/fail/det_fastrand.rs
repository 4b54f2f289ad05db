#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;
mod fastrand { pub fn u32(_: std::ops::RangeFull) -> u32 { 4 } }

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let n = fastrand::u32(..);
        Ok(())
    }
}

fn main() {}
