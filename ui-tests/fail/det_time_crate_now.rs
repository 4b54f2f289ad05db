#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;
mod time { pub struct OffsetDateTime; impl OffsetDateTime { pub fn now_utc() {} } }

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let now = time::OffsetDateTime::now_utc();
        Ok(())
    }
}

fn main() {}
