#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;
mod sqlx { pub fn query(_: &str) {} }

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let rows = sqlx::query("select 1");
        Ok(())
    }
}

fn main() {}
