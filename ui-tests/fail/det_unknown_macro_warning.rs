#![deny(deprecated)]
#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;
macro_rules! my_trace { ($($t:tt)*) => { 0 }; }

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let text = stringify!(std::time::SystemTime::now());
        let traced = my_trace!(std::time::SystemTime::now());
        Ok(())
    }
}

fn main() {}
