#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;
mod uuid { pub struct Uuid; impl Uuid { pub fn new_v4() -> Self { Uuid } } }

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let id = uuid::Uuid::new_v4();
        Ok(())
    }
}

fn main() {}
