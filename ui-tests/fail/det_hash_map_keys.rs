#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;
use std::collections::HashSet;

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let mut seen: HashSet<u32> = HashSet::from([1, 2]);
        let first: Vec<_> = seen.iter().collect();
        Ok(())
    }
}

fn main() {}
