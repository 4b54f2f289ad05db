#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;
struct Uuid;
impl Uuid { fn now_v7() -> Self { Uuid } }

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let id = Uuid::now_v7();
        Ok(())
    }
}

fn main() {}
