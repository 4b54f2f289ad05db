#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;
struct StdRng;
impl StdRng { fn from_entropy() -> Self { StdRng } }

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let rng = StdRng::from_entropy();
        Ok(())
    }
}

fn main() {}
