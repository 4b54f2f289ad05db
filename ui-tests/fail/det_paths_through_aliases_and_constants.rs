#![allow(unused)]
use std::time::UNIX_EPOCH;

use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        type Clock = std::time::Instant;
        let started = Clock::now();
        let wall = <std::time::SystemTime>::now();
        let age = UNIX_EPOCH.elapsed();
        Ok(())
    }
}

/// A workflow in a nested module sees that module's `use` items, not the file's.
mod billing {
    use std::env::var;

    use workflow_runtime::prelude::*;

    #[derive(Default)]
    pub struct Billing;

    #[workflow]
    impl Billing {
        #[run]
        pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
            let region = var("REGION");
            Ok(())
        }
    }
}

fn main() {}
