#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;
use std::fs::File;

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let file = File::open("orders.json");
        Ok(())
    }
}

fn main() {}
