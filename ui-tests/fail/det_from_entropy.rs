#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;
// Stands in for a type a glob brings in from elsewhere (a crate's or the project's prelude).
mod prelude { pub struct StdRng; impl StdRng { pub fn from_entropy() -> Self { StdRng } } }
use prelude::*;

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
