#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;
// Stands in for a type a glob brings in from elsewhere (a crate's or the project's prelude).
mod prelude { pub struct Uuid; impl Uuid { pub fn now_v7() -> Self { Uuid } } }
use prelude::*;

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
