#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;

mod metrics {
    pub struct Instant;
    impl Instant {
        pub fn now() -> u64 {
            3
        }
    }
}

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u64> {
        Ok(crate::metrics::Instant::now() + self::metrics::Instant::now())
    }
}

fn main() {}
