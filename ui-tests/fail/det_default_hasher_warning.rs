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
        let hasher = std::collections::hash_map::DefaultHasher::new();
        Ok(())
    }
}

fn main() {}
