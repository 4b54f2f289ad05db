#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;
mod rand { pub fn thread_rng() {} }

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let rng = rand::thread_rng();
        Ok(())
    }
}

fn main() {}
