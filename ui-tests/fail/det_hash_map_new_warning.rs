#![deny(deprecated)]
#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let mut index = std::collections::HashMap::new();
        index.insert(1, "one");
        let one = index.get(&1);
        Ok(())
    }
}

fn main() {}
