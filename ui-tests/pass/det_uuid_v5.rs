#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;
struct Uuid;
impl Uuid { fn new_v5(_: u32, _: &str) -> Self { Uuid } }

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let id = Uuid::new_v5(1, "order-42");
        Ok(())
    }
}

fn main() {}
