#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;

mod fake {
    pub struct SystemTime;
    impl SystemTime {
        pub fn now() -> u64 {
            7
        }
    }
}

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u64> {
        use crate::fake::SystemTime;
        Ok(SystemTime::now() + crate::fake::SystemTime::now())
    }
}

fn main() {}
